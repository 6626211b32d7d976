// openclaw.json (JSON5, as the reference). A broken file is an error that names the file, never a
// silent fallback to defaults.
import { readFileSync } from "node:fs";
import JSON5 from "json5";

export type Config = Record<string, unknown>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(path: string): Config {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    throw new ConfigError(`config ${path} is not valid JSON5: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`config ${path} must hold a JSON object`);
  }
  return parsed as Config;
}

/** Reads a dotted path ("gateway.auth.token") from a config object. */
export function configGet(config: Config, dotted: string): unknown {
  let cur: unknown = config;
  for (const part of dotted.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function configString(config: Config, dotted: string): string | undefined {
  const v = configGet(config, dotted);
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}
