// What a system.run argv "says": its display text (node-host.md §4.2) and whether it is a shell wrapper
// carrying an inline command (§3.6).
import { SHELL_APPLETS, executableBaseName, unwrapDispatchWrappers } from "./wrappers.js";

export interface ShellWrapper {
  shell: string;
  inlineCommand: string;
}

export interface ShellInvocation extends ShellWrapper {
  /** Arguments after the inline command (`sh -c 'echo $0' x`). */
  trailingArgs: boolean;
  /** `env NAME=value` in front of the shell. */
  envAssignments: boolean;
  /** The shell's arguments before the inline command (its options, the inline flag included). */
  options: string[];
}

const POSIX_SHELLS: readonly string[] = SHELL_APPLETS;
const POWERSHELLS = ["powershell", "pwsh"];
/** POSIX shell options that consume the next argument (`bash -o pipefail -c …`). */
const POSIX_VALUE_OPTIONS = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);

// Formats argv for display: items joined by spaces; "" for an empty item; an item holding whitespace or
// a double quote is wrapped in double quotes with inner quotes escaped.
export function formatArgv(argv: readonly string[]): string {
  return argv
    .map((item) => {
      if (item === "") return '""';
      if (/[\s"]/.test(item)) return `"${item.replace(/"/g, '\\"')}"`;
      return item;
    })
    .join(" ");
}

// Finds the inline command of a POSIX shell: -c, -lc, --command, or any single-dash cluster holding `c`
// (the command is the next argument, as the shells themselves read it). Stops at `--` or a script name.
function posixInline(args: readonly string[]): { inline: string; trailing: boolean; options: string[] } | null {
  for (let i = 0; i < args.length; i++) {
    const token = args[i] ?? "";
    if (token === "--") return null;
    const isInlineFlag = token === "--command" || /^-[A-Za-z]*c[A-Za-z]*$/.test(token);
    if (isInlineFlag) {
      const inline = args[i + 1];
      return inline === undefined ? null : { inline, trailing: i + 2 < args.length, options: args.slice(0, i + 1) };
    }
    if (POSIX_VALUE_OPTIONS.has(token)) {
      i++;
      continue;
    }
    if (token.startsWith("-") || token.startsWith("+")) continue;
    return null; // a script operand: not an inline command
  }
  return null;
}

// cmd /c|/k and PowerShell -c|-command|--command: the rest of argv joined by spaces.
function restAfterFlag(args: readonly string[], isFlag: (token: string) => boolean): { inline: string; options: string[] } | null {
  const index = args.findIndex(isFlag);
  if (index < 0) return null;
  return { inline: args.slice(index + 1).join(" "), options: args.slice(0, index + 1) };
}

/** Full detection result, including what decides the display text. */
export function analyzeShellWrapper(argv: readonly string[]): ShellInvocation | null {
  const unwrapped = unwrapDispatchWrappers(argv);
  if (!unwrapped.ok) return null;
  const [head, ...args] = unwrapped.argv;
  if (head === undefined) return null;
  const shell = executableBaseName(head);
  const envAssignments = unwrapped.envAssignments;
  if (POSIX_SHELLS.includes(shell)) {
    const found = posixInline(args);
    return found ? { shell, inlineCommand: found.inline, trailingArgs: found.trailing, envAssignments, options: found.options } : null;
  }
  if (shell === "cmd") {
    const found = restAfterFlag(args, (t) => /^\/[ck]$/i.test(t));
    return found === null ? null : { shell, inlineCommand: found.inline, trailingArgs: false, envAssignments, options: found.options };
  }
  if (POWERSHELLS.includes(shell)) {
    const found = restAfterFlag(args, (t) => ["-c", "-command", "--command"].includes(t.toLowerCase()));
    return found === null ? null : { shell, inlineCommand: found.inline, trailingArgs: false, envAssignments, options: found.options };
  }
  return null;
}

/** `{shell, inlineCommand}` when argv (after bare dispatch wrappers) runs a shell with an inline command. */
export function isShellWrapper(argv: readonly string[]): ShellWrapper | null {
  const found = analyzeShellWrapper(argv);
  return found ? { shell: found.shell, inlineCommand: found.inlineCommand } : null;
}

/** The display text inferred from argv (§4.2 step 3). */
export function inferCommandText(argv: readonly string[]): string {
  const shell = analyzeShellWrapper(argv);
  if (shell && !shell.envAssignments && !shell.trailingArgs) return shell.inlineCommand.trim();
  return formatArgv(argv);
}

/** Checks `rawCommand` against argv; the result is the text used in events and bookkeeping. */
export function resolveCommandText(argv: readonly string[], rawCommand: unknown): { ok: true; text: string } | { ok: false; message: string } {
  const inferred = inferCommandText(argv);
  const raw = typeof rawCommand === "string" ? rawCommand.trim() : "";
  if (raw !== "" && raw !== inferred) return { ok: false, message: "rawCommand does not match command" };
  return { ok: true, text: inferred };
}
