// Shared plumbing of the three service managers: dependencies, the env file, file removal.
import { existsSync, rmSync } from "node:fs";
import { writeFileAtomic } from "../../shared/fs-atomic.js";
import { renderEnvFile } from "./env-file.js";
import type { CommandRunner, ServiceDefinition } from "./types.js";

export interface ManagerDeps {
  run: CommandRunner;
  home: string;
  stateDir: string;
  /** Login name (loginctl, Task Scheduler principal). */
  user: string;
  uid: number;
  env: NodeJS.ProcessEnv;
}

/**
 * Writes the credentials file (0600, atomic) when the installing shell had credentials. Without any,
 * an existing file from an earlier install is kept (and reported) rather than silently emptied.
 */
export function writeEnvFile(def: ServiceDefinition, warnings: string[], files: string[]): void {
  if (Object.keys(def.secrets).length > 0) {
    writeFileAtomic(def.envFilePath, renderEnvFile(def.secrets), 0o600);
    files.push(def.envFilePath);
  } else if (existsSync(def.envFilePath)) {
    warnings.push(`kept the credentials of the previous install in ${def.envFilePath} (no OPENCLAW_GATEWAY_TOKEN/PASSWORD in this shell)`);
  }
}

export function removeFiles(paths: string[]): string[] {
  const removed: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    rmSync(p, { force: true });
    removed.push(p);
  }
  return removed;
}
