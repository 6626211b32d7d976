// Allowlist patterns (node-host.md §3.7, quirk §12.4). Only `**` (any characters, `/` included), `*`
// (any characters except `/`) and `?` (one character except `/`) are special; every other character
// is literal, so `/usr/bin/g++` and `/opt/foo(/bin/x` are ordinary patterns. A leading `~` is the home
// directory. Matching is anchored and case-insensitive.
//
// No regular expression is built: the pattern becomes a list of tokens and is run as an NFA over the
// set of reachable positions, so a match costs O(pattern × path) whatever the input.
import { expandHome } from "../../shared/paths.js";

type Token = { kind: "char"; char: string } | { kind: "one" } | { kind: "star" } | { kind: "globstar" };

function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern.toLowerCase());
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*" && chars[i + 1] === "*") {
      tokens.push({ kind: "globstar" });
      i++;
    } else if (c === "*") tokens.push({ kind: "star" });
    else if (c === "?") tokens.push({ kind: "one" });
    else tokens.push({ kind: "char", char: c });
  }
  return tokens;
}

// Adds the positions reachable without consuming input: a star may match nothing.
function closure(tokens: readonly Token[], states: boolean[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const kind = tokens[i]?.kind;
    if (states[i] && (kind === "star" || kind === "globstar")) states[i + 1] = true;
  }
}

function matchTokens(tokens: readonly Token[], path: string): boolean {
  let states: boolean[] = new Array<boolean>(tokens.length + 1).fill(false);
  states[0] = true;
  closure(tokens, states);
  for (const c of Array.from(path.toLowerCase())) {
    const next: boolean[] = new Array<boolean>(tokens.length + 1).fill(false);
    let alive = false;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (!states[i] || token === undefined) continue;
      if (token.kind === "globstar" || (token.kind === "star" && c !== "/")) next[i] = alive = true;
      else if ((token.kind === "one" && c !== "/") || (token.kind === "char" && token.char === c)) next[i + 1] = alive = true;
    }
    if (!alive) return false;
    closure(tokens, next);
    states = next;
  }
  return states[tokens.length] === true;
}

/** Compiles once; the returned matcher never throws. A pattern of `*` alone matches everything. */
export function compileAllowlistPattern(pattern: string, home: string): (path: string) => boolean {
  const trimmed = pattern.trim();
  if (trimmed === "*") return () => true;
  const tokens = tokenize(expandHome(trimmed, home));
  return (path: string) => matchTokens(tokens, path);
}
