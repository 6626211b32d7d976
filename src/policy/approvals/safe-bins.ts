// Safe bins (node-host.md §3.8): stdin-only filters that satisfy the allowlist without an entry, as
// long as the binary comes from a trusted directory and its arguments pass the binary's profile
// (safe-bin-profiles.ts). Every token is judged as the program will see it: options by the profile,
// operands and option values as "safe literals" that cannot name a file or expand into one.
import { posix } from "node:path";
import { SAFE_BIN_PROFILES, type SafeBinProfile } from "./safe-bin-profiles.js";

export { SAFE_BIN_PROFILES, type SafeBinProfile } from "./safe-bin-profiles.js";

export const DEFAULT_SAFE_BINS: readonly string[] = ["jq", "cut", "uniq", "head", "tail", "tr", "wc"];
/** Exact directories; PATH entries are never trusted implicitly (a user-writable dir could shadow `head`). */
export const SAFE_BIN_TRUSTED_DIRS: readonly string[] = ["/bin", "/usr/bin"];

export interface SafeBinOptions {
  safeBins?: readonly string[];
  trustedDirs?: readonly string[];
  platform?: NodeJS.Platform;
  /**
   * The argv came out of shell text: the shell will still expand `$NAME` there (our analysis keeps it
   * literal), so a `$` anywhere is refused. In a plain argv a `$` is just a character.
   */
  shellText?: boolean;
}

// Globs could expand into file names; a path-like token names a file (or, as the value of an option
// such as `--lines`, is at best nonsense); `~` anywhere is a home directory to some shell.
function isSafeLiteral(value: string, shellText: boolean): boolean {
  if (/[*?[\]~`]/.test(value)) return false;
  if (shellText && value.includes("$")) return false;
  if (value.startsWith("/") || value.startsWith("./") || value.startsWith("../")) return false;
  return !/^[A-Za-z]:[\\/]/.test(value);
}

// Walks the arguments the way GNU getopt would (options may follow operands until `--`) and collects
// the operands; false as soon as any token is not allowed by the profile.
function operandsIfAllowed(profile: SafeBinProfile, args: readonly string[], shellText: boolean): string[] | null {
  const operands: string[] = [];
  const has = (list: readonly string[] | undefined, flag: string) => list?.includes(flag) === true;
  const value = (v: string | undefined) => v !== undefined && v !== "" && isSafeLiteral(v, shellText);
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string;
    if (token === "" || token === "-") continue; // empty operands are dropped; `-` is stdin
    if (endOfOptions || !token.startsWith("-")) {
      operands.push(token);
      continue;
    }
    if (token === "--") {
      endOfOptions = true;
      continue;
    }
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const flag = eq < 0 ? token : token.slice(0, eq);
      if (has(profile.deniedFlags, flag)) return null;
      if (has(profile.booleanFlags, flag) && eq < 0) continue;
      if (has(profile.valueFlags, flag)) {
        if (!value(eq < 0 ? args[++i] : token.slice(eq + 1))) return null;
        continue;
      }
      if (has(profile.pairFlags, flag) && eq < 0) {
        if (!value(args[++i]) || !value(args[++i])) return null;
        continue;
      }
      return null; // unknown long option, or a value given to a boolean one
    }
    // a short cluster: booleans, then at most one value flag taking the rest of the token or the next one
    const letters = token.slice(1);
    for (let j = 0; j < letters.length; j++) {
      const flag = `-${letters[j]}`;
      if (has(profile.deniedFlags, flag)) return null;
      if (has(profile.booleanFlags, flag)) continue;
      if (!has(profile.valueFlags, flag)) return null;
      const rest = letters.slice(j + 1);
      if (!value(rest !== "" ? rest : args[++i])) return null;
      break;
    }
  }
  return operands;
}

/** Whether argv (after dispatch wrappers) is a safe-bin use that needs no allowlist entry. */
export function isSafeBinUse(argv: readonly string[], resolvedPath: string | undefined, opts: SafeBinOptions = {}): boolean {
  if ((opts.platform ?? process.platform) === "win32") return false;
  if (resolvedPath === undefined || !posix.isAbsolute(resolvedPath)) return false;
  const name = posix.basename(resolvedPath).toLowerCase();
  if (!(opts.safeBins ?? DEFAULT_SAFE_BINS).includes(name)) return false;
  const trusted = (opts.trustedDirs ?? SAFE_BIN_TRUSTED_DIRS).map((dir) => posix.resolve(dir));
  if (!trusted.includes(posix.dirname(posix.resolve(resolvedPath)))) return false;
  const profile = Object.prototype.hasOwnProperty.call(SAFE_BIN_PROFILES, name) ? SAFE_BIN_PROFILES[name] : undefined;
  if (profile === undefined) return false;
  const shellText = opts.shellText === true;
  const operands = operandsIfAllowed(profile, argv.slice(1), shellText);
  if (operands === null) return false;
  if (operands.length < (profile.minPositional ?? 0) || operands.length > profile.maxPositional) return false;
  return operands.every((operand) => isSafeLiteral(operand, shellText) && (profile.positional?.(operand) ?? true));
}
