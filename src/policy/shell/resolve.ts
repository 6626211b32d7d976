// Where a command's executable lives (node-host.md §3.7): `~` expanded; a path-like token made absolute
// against cwd; a bare name searched in PATH (absolute entries only). Reads the file system, writes
// nothing.
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

/** True for an existing regular file (symlinks followed), executable or not (a script operand). */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// First PATH entry holding an executable regular file called `name`. Empty and relative entries are
// skipped: a command must not be found in whatever directory the node host happens to run in.
export function searchPath(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** True when PATH holds an empty or relative entry (a shell or `env` would search the cwd there). */
export function pathHasRelativeEntries(pathEnv: string): boolean {
  return pathEnv !== "" && pathEnv.split(delimiter).some((dir) => dir === "" || !isAbsolute(dir));
}

/** True for a token a shell or execvp treats as a path rather than a name to look up in PATH. */
export function isPathLike(token: string): boolean {
  return token.includes("/") || token.includes("\\");
}

/**
 * Where `argv0` would be executed from: `~` expanded; a path-like token (holding `/` or `\`) is made
 * absolute against `cwd` and must be an executable file; a bare name is searched in PATH.
 */
export function resolveExecutable(argv0: string, opts: { cwd?: string; pathEnv: string; home: string }): string | undefined {
  const token = expandHome(argv0.trim(), opts.home);
  if (token === "") return undefined;
  if (isPathLike(token)) {
    const absolute = resolve(opts.cwd ?? process.cwd(), token);
    return isExecutableFile(absolute) ? absolute : undefined;
  }
  return searchPath(token, opts.pathEnv);
}
