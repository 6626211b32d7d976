// Dispatch wrappers in front of a command (node-host.md §3.10). `env nice nohup stdbuf timeout` are
// looked through so that policy judges the command they start; `chrt doas ionice setsid sudo taskset` are
// never looked through; `busybox`/`toybox` only when the applet is a shell (so the shell is seen). Only
// bare forms are unwrapped for now (plus `env NAME=value …` and `timeout DURATION …`); a wrapper used
// with options is reported as not unwrappable, so policy never judges the wrapper instead of its command.

export const TRANSPARENT_WRAPPERS = ["env", "nice", "nohup", "stdbuf", "timeout"] as const;
export const BLOCKED_WRAPPERS = ["chrt", "doas", "ionice", "setsid", "sudo", "taskset"] as const;
/** Multi-call binaries: looked through only when the applet is a shell (so the shell is seen), else blocked. */
export const MULTICALL_WRAPPERS = ["busybox", "toybox"] as const;
export const SHELL_APPLETS = ["ash", "bash", "dash", "fish", "ksh", "sh", "zsh"] as const;
export const MAX_WRAPPER_DEPTH = 4;

export type Unwrapped =
  | { ok: true; argv: string[]; wrappers: string[]; envAssignments: boolean }
  | { ok: false; reason: string };

/** Lower-cased basename without `.exe`, for both `/` and `\` separators. */
export function executableBaseName(token: string): string {
  const base = token.split(/[\\/]/).pop() ?? token;
  return base.toLowerCase().replace(/\.exe$/, "");
}

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

// Strips the wrapper at argv[0]; returns the inner argv, or a reason it cannot be looked through.
function unwrapOne(name: string, argv: string[]): { argv: string[]; envAssignments: boolean } | string {
  let i = 1;
  let envAssignments = false;
  if (name === "env") {
    while (i < argv.length && ENV_ASSIGNMENT.test(argv[i] ?? "")) {
      envAssignments = true;
      i++;
    }
  } else if (name === "timeout") {
    const duration = argv[1];
    if (duration === undefined || duration.startsWith("-")) return `${name} with options is not supported`;
    i = 2;
  }
  const next = argv[i];
  if (next === undefined) return `${name} without a command`;
  if (next.startsWith("-")) return `${name} with options is not supported`;
  return { argv: argv.slice(i), envAssignments };
}

/** Looks through up to MAX_WRAPPER_DEPTH dispatch wrappers. A plain command comes back unchanged. */
export function unwrapDispatchWrappers(argv: readonly string[]): Unwrapped {
  let current = [...argv];
  const wrappers: string[] = [];
  let envAssignments = false;
  for (;;) {
    const head = current[0];
    if (head === undefined) return { ok: false, reason: "empty command" };
    const name = executableBaseName(head);
    if ((BLOCKED_WRAPPERS as readonly string[]).includes(name)) return { ok: false, reason: `${name} is a blocked wrapper` };
    const multicall = (MULTICALL_WRAPPERS as readonly string[]).includes(name);
    if (!multicall && !(TRANSPARENT_WRAPPERS as readonly string[]).includes(name)) {
      return { ok: true, argv: current, wrappers, envAssignments };
    }
    if (wrappers.length >= MAX_WRAPPER_DEPTH) return { ok: false, reason: "too many nested wrappers" };
    if (multicall) {
      const applet = current[1];
      if (applet === undefined || !(SHELL_APPLETS as readonly string[]).includes(executableBaseName(applet))) {
        return { ok: false, reason: `${name} applets other than shells are blocked` };
      }
      wrappers.push(name);
      current = current.slice(1);
      continue;
    }
    const inner = unwrapOne(name, current);
    if (typeof inner === "string") return { ok: false, reason: inner };
    wrappers.push(name);
    envAssignments ||= inner.envAssignments;
    current = inner.argv;
  }
}
