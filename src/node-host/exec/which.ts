// Finding executables: system.which (node-host.md §5.1) and the resolution policy uses (§3.7).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { expandHome } from "../../shared/paths.js";

/** True for an existing regular file (symlinks followed) the node process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// First PATH entry holding an executable regular file called `name`. Empty and relative entries are
// skipped: a command must not be found in whatever directory the node host happens to run in.
function searchPath(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** `{name: path}` for each trimmed, non-empty, separator-free name found in PATH; others are omitted. */
export function whichAll(bins: unknown, pathEnv: string): Record<string, string> {
  const found: Record<string, string> = {};
  if (!Array.isArray(bins)) return found;
  for (const item of bins) {
    if (typeof item !== "string") continue;
    const name = item.trim();
    if (name === "" || name.includes("/") || name.includes("\\")) continue;
    if (Object.prototype.hasOwnProperty.call(found, name)) continue;
    const path = searchPath(name, pathEnv);
    if (path !== undefined) Object.defineProperty(found, name, { value: path, enumerable: true, writable: true, configurable: true });
  }
  return found;
}

/**
 * Where `argv0` would be executed from: `~` expanded; a path-like token (holding `/` or `\`) is made
 * absolute against `cwd` and must be an executable file; a bare name is searched in PATH.
 */
export function resolveExecutable(argv0: string, opts: { cwd?: string; pathEnv: string; home: string }): string | undefined {
  const token = expandHome(argv0.trim(), opts.home);
  if (token === "") return undefined;
  if (token.includes("/") || token.includes("\\")) {
    const absolute = resolve(opts.cwd ?? process.cwd(), token);
    return isExecutableFile(absolute) ? absolute : undefined;
  }
  return searchPath(token, opts.pathEnv);
}
