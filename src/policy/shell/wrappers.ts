// Dispatch wrappers in front of a command (node-host.md §3.10). `env nice nohup stdbuf timeout` are
// looked through so that policy judges the command they start; `chrt doas ionice setsid sudo taskset` are
// never looked through; `busybox`/`toybox` only when the applet is a shell (so the shell is seen). Each
// wrapper's own options are parsed (§3.10 forms); an option we do not know makes the wrapper
// impossible to look through, so policy never judges the wrapper's argument instead of its command.
// `env` with options is blocked; `env NAME=value …` is looked through but flagged (it changes what the
// command does, so the caller must not let an allowlist entry satisfy it).

export const TRANSPARENT_WRAPPERS = ["env", "nice", "nohup", "stdbuf", "timeout"] as const;
export const BLOCKED_WRAPPERS = ["chrt", "doas", "ionice", "setsid", "sudo", "taskset"] as const;
/** Multi-call binaries: looked through only when the applet is a shell (so the shell is seen), else blocked. */
export const MULTICALL_WRAPPERS = ["busybox", "toybox"] as const;
export const SHELL_APPLETS = ["ash", "bash", "dash", "fish", "ksh", "sh", "zsh"] as const;
export const MAX_WRAPPER_DEPTH = 4;

export type Unwrapped =
  | {
      ok: true;
      argv: string[];
      /** Wrapper names (basenames), outermost first. */
      wrappers: string[];
      /** The wrappers' own argv[0] tokens, outermost first (the caller checks where they resolve). */
      wrapperTokens: string[];
      envAssignments: boolean;
    }
  | { ok: false; reason: string };

/** Lower-cased basename without `.exe`, for both `/` and `\` separators. */
export function executableBaseName(token: string): string {
  const base = token.split(/[\\/]/).pop() ?? token;
  return base.toLowerCase().replace(/\.exe$/, "");
}

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const INTEGER = /^[+-]?\d+$/;
const DURATION = /^\d+(\.\d+)?[smhd]?$/;
const BUFFER_MODE = /^(L|\d+[KMGTPEZYkmgtpezy]?B?)$/;
const SIGNAL = /^[A-Za-z0-9+-]+$/;

/** A wrapper's options: boolean ones, and value ones (short letter or long name) with a value check. */
interface WrapperOptions {
  booleans: readonly string[];
  values: Readonly<Record<string, RegExp>>;
  /** `nice -5`: a bare negative number is an option of its own. */
  numericShort?: boolean;
  /** Positional operands consumed before the command (timeout's DURATION). */
  operand?: RegExp;
}

const OPTIONS: Record<"nice" | "nohup" | "stdbuf" | "timeout", WrapperOptions> = {
  nice: { booleans: [], values: { "-n": INTEGER, "--adjustment": INTEGER, "--priority": INTEGER }, numericShort: true },
  nohup: { booleans: [], values: {} },
  stdbuf: { booleans: [], values: { "-i": BUFFER_MODE, "-o": BUFFER_MODE, "-e": BUFFER_MODE, "--input": BUFFER_MODE, "--output": BUFFER_MODE, "--error": BUFFER_MODE } },
  timeout: {
    booleans: ["--foreground", "--preserve-status", "-v", "--verbose"],
    values: { "-k": DURATION, "--kill-after": DURATION, "-s": SIGNAL, "--signal": SIGNAL },
    operand: DURATION,
  },
};

// Index of the first argv item after the wrapper's options (and operand), or a reason it cannot be
// looked through. Accepts `-n 5`, `-n5`, `--adjustment=5`, `--adjustment 5`, `--` and nothing else.
function skipOptions(name: string, opts: WrapperOptions, argv: readonly string[]): number | string {
  let i = 1;
  for (; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "--") {
      i++;
      break;
    }
    if (!token.startsWith("-") || token === "-") break;
    if (opts.booleans.includes(token)) continue;
    if (opts.numericShort && /^-\d+$/.test(token)) continue;
    const eq = token.indexOf("=");
    const long = token.startsWith("--");
    const flag = long ? (eq < 0 ? token : token.slice(0, eq)) : token.slice(0, 2);
    const check = Object.prototype.hasOwnProperty.call(opts.values, flag) ? opts.values[flag] : undefined;
    if (check === undefined) return `${name} option ${token} is not supported`;
    let value: string | undefined;
    if (long && eq >= 0) value = token.slice(eq + 1);
    else if (!long && token.length > 2) value = token.slice(2);
    else value = argv[++i];
    if (value === undefined || !check.test(value)) return `${name} option ${flag} has an unsupported value`;
  }
  if (opts.operand) {
    const operand = argv[i];
    if (operand === undefined || !opts.operand.test(operand)) return `${name} needs a duration`;
    i++;
  }
  return i;
}

// Strips the wrapper at argv[0]; returns the inner argv, or a reason it cannot be looked through.
function unwrapOne(name: string, argv: string[]): { argv: string[]; envAssignments: boolean } | string {
  let i = 1;
  let envAssignments = false;
  if (name === "env") {
    if (argv[1] === "--") i = 2;
    while (i < argv.length && ENV_ASSIGNMENT.test(argv[i] ?? "")) {
      envAssignments = true;
      i++;
    }
  } else {
    const skipped = skipOptions(name, OPTIONS[name as keyof typeof OPTIONS], argv);
    if (typeof skipped === "string") return skipped;
    i = skipped;
  }
  const next = argv[i];
  if (next === undefined) return `${name} without a command`;
  // `env -i`, `env -S "…"`, `env -u X`: options change what runs, so `env` with options is blocked
  if (next.startsWith("-")) return `${name} with options is not supported`;
  return { argv: argv.slice(i), envAssignments };
}

/** Looks through up to MAX_WRAPPER_DEPTH dispatch wrappers. A plain command comes back unchanged. */
export function unwrapDispatchWrappers(argv: readonly string[]): Unwrapped {
  let current = [...argv];
  const wrappers: string[] = [];
  const wrapperTokens: string[] = [];
  let envAssignments = false;
  for (;;) {
    const head = current[0];
    if (head === undefined) return { ok: false, reason: "empty command" };
    const name = executableBaseName(head);
    if ((BLOCKED_WRAPPERS as readonly string[]).includes(name)) return { ok: false, reason: `${name} is a blocked wrapper` };
    const multicall = (MULTICALL_WRAPPERS as readonly string[]).includes(name);
    if (!multicall && !(TRANSPARENT_WRAPPERS as readonly string[]).includes(name)) {
      return { ok: true, argv: current, wrappers, wrapperTokens, envAssignments };
    }
    if (wrappers.length >= MAX_WRAPPER_DEPTH) return { ok: false, reason: "too many nested wrappers" };
    if (multicall) {
      const applet = current[1];
      if (applet === undefined || !(SHELL_APPLETS as readonly string[]).includes(executableBaseName(applet))) {
        return { ok: false, reason: `${name} applets other than shells are blocked` };
      }
      wrappers.push(name);
      wrapperTokens.push(head);
      current = current.slice(1);
      continue;
    }
    const inner = unwrapOne(name, current);
    if (typeof inner === "string") return { ok: false, reason: inner };
    wrappers.push(name);
    wrapperTokens.push(head);
    envAssignments ||= inner.envAssignments;
    current = inner.argv;
  }
}
