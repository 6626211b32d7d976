// system.which (node-host.md §5.1). The resolution policy uses (§3.7) lives in policy/shell/resolve.ts.
import { searchPath } from "../../policy/shell/resolve.js";

export { isExecutableFile, resolveExecutable } from "../../policy/shell/resolve.js";

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
