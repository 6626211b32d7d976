// What a POSIX shell runs itself instead of executing a file, and which shell options are harmless.
// Inside shell text a bare command name is looked up as keyword, function and builtin before PATH, so
// an allowlisted `/usr/bin/printf` says nothing about the shell's `printf -v 'a[$(id)]' x` (bash
// evaluates that subscript). A segment starting with one of these names is never satisfied by the
// allowlist; only `echo pwd true false`, which cannot run or read anything, are left to PATH matching.

export const SHELL_BUILTINS: ReadonlySet<string> = new Set([
  // keywords and grammar
  "!", "[[", "]]", "{", "}", "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for", "function",
  "if", "in", "select", "then", "time", "until", "while", "foreach", "repeat", "end", "nocorrect", "noglob",
  // run other code or change how later names resolve
  ".", "source", "eval", "exec", "command", "builtin", "enable", "alias", "unalias", "hash", "trap", "-",
  "autoload", "emulate", "zmodload", "functions", "disable", "sched", "zle", "bindkey", "fc", "history", "bind",
  "zpty", "ztcp", "zsocket", "sysopen", "sysread", "syswrite", "rehash", "unhash", "help",
  // change state (variables, options, directories, limits); several evaluate arithmetic on their operands
  "declare", "typeset", "local", "export", "readonly", "set", "unset", "shopt", "setopt", "unsetopt", "let",
  "read", "readarray", "mapfile", "getopts", "printf", "print", "test", "[", "cd", "pushd", "popd", "dirs",
  "ulimit", "umask", "wait", "jobs", "fg", "bg", "disown", "kill", "shift", "exit", "return", "break",
  "continue", "logout", "times", "type", "whence", "where", "which", "caller", "compgen", "complete",
  "compopt", "suspend", "vared", "zstyle", "zcompile", "integer", "float", ":", "newgrp",
]);

/** True when a bare command name inside shell text is a keyword or a builtin we do not let through. */
export function isShellBuiltin(name: string): boolean {
  return SHELL_BUILTINS.has(name);
}

/** Single-letter options allowed in a `-xc` cluster: errexit, xtrace, nounset, verbose, noglob, login. */
const SAFE_SHORT = /^[-+][celuvxf]+$/;
const SAFE_LONG = new Set(["--login", "--noprofile", "--norc", "--posix", "--command", "--restricted"]);
const SAFE_SET_O = new Set(["pipefail", "errexit", "nounset", "xtrace", "noglob", "posix", "verbose"]);

/**
 * Why the options in front of a POSIX shell's inline command are not acceptable, or null. Refused:
 * `-i` (aliases, rc files), `--rcfile`/`--init-file` (source a file), `-k` (every `NAME=value` argument
 * becomes environment), `-O`/`+O` (extglob and friends), `-s`, and anything not listed.
 */
export function unsafeShellOption(options: readonly string[]): string | null {
  for (let i = 0; i < options.length; i++) {
    const token = options[i] ?? "";
    if (token === "-o" || token === "+o") {
      const value = options[++i];
      if (value === undefined || !SAFE_SET_O.has(value)) return `shell option ${token} ${value ?? ""}`.trim();
      continue;
    }
    if (SAFE_LONG.has(token) || SAFE_SHORT.test(token)) continue;
    return `shell option ${token}`;
  }
  return null;
}
