// Where state and config live (node-host.md §2.1): $OPENCLAW_STATE_DIR, else ~/.openclaw.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.OPENCLAW_HOME?.trim() || env.HOME?.trim() || homedir();
  return expandHome(home, env.HOME?.trim() || homedir());
}

export function expandHome(p: string, home: string = homeDir()): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return join(home, p.slice(2));
  return p;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.OPENCLAW_STATE_DIR?.trim();
  if (explicit) return resolve(expandHome(explicit, homeDir(env)));
  return join(homeDir(env), ".openclaw");
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.OPENCLAW_CONFIG_PATH?.trim();
  if (explicit) return resolve(expandHome(explicit, homeDir(env)));
  return join(stateDir(env), "openclaw.json");
}
