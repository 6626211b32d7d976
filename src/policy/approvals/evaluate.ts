// The whole exec-approval evaluation for one system.run (node-host.md §3.5–3.11), pure: the file
// system comes in as `resolve`. The argv is cut into segments — itself, or for a shell wrapper the
// simple commands of its inline text — and every segment must be satisfied (allowlist entry or safe
// bin) for the command to count as allowlisted. Choices beyond the spec, all fail-closed:
//
// - A shell is never satisfied by the allowlist, not even by `*`: `bash script.sh`, `echo x | sh`, a
//   shell reading stdin. A shell with an inline command is judged by that command only; the shell
//   binary (and every dispatch wrapper, busybox) must merely be trusted — in /bin or /usr/bin, or
//   matched by an allowlist entry — because it is what actually runs (`./sh -c "echo hi"`).
// - Inside shell text, keywords and builtins (`eval`, `exec`, `.`, `source`, `command`, `printf`, …)
//   never match a PATH entry; neither does an executable name holding `$`, a glob or `NAME=value`.
// - fish, cmd and PowerShell text is not analysed: always a miss.
// - `env NAME=value cmd` and wrappers that cannot be looked through are misses (§3.10).
// - allow-always persists the inner executables of allowlist segments, never a shell or a wrapper;
//   nothing at all when some segment could never be allowlisted, so an approval is not silently
//   narrowed to part of the command. Safe-bin segments add nothing: persisting `/usr/bin/head`
//   would also allow `head /etc/shadow`; interpreters add nothing either: approving one
//   `python3 -c …` always must not become "any Python, forever" (an explicit entry still works).
import { posix } from "node:path";
import { decideExec, type Decision } from "./decision.js";
import { compileAllowlistPattern } from "./glob.js";
import type { EffectivePolicy } from "./policy.js";
import { SAFE_BIN_TRUSTED_DIRS, isSafeBinUse } from "./safe-bins.js";
import { isShellBuiltin, unsafeShellOption } from "../shell/builtins.js";
import { analyzeShellWrapper } from "../shell/command-text.js";
import { analyzeShellText } from "../shell/shell-analysis.js";
import { SHELL_APPLETS, executableBaseName, unwrapDispatchWrappers } from "../shell/wrappers.js";

export interface EvaluateInput {
  argv: readonly string[];
  /** Already checked to match argv; the inline text taken from argv is what the shell runs. */
  rawCommand?: string;
  policy: EffectivePolicy;
  /** Executable resolution (cwd, PATH and `~` handled by the caller); undefined when not found. */
  resolve: (argv0: string) => string | undefined;
  home: string;
  /** Operator approval bound to a verified plan. */
  approved?: boolean;
  platform?: NodeJS.Platform;
}

export interface SegmentVerdict {
  argv: string[];
  resolvedPath?: string;
  matchedPattern?: string;
  safeBin?: boolean;
  satisfied: boolean;
  reason?: string;
}

export interface Evaluation {
  decision: Decision;
  shellWrapper: boolean;
  analysisOk: boolean;
  analysisReason?: string;
  segments: SegmentVerdict[];
  allowlistSatisfied: boolean;
  /** De-duplicated, for lastUsed bookkeeping. */
  matchedPatterns: string[];
  /** The first segment's resolved path. */
  resolvedPath?: string;
  /** What allow-always would persist: inner executables only; [] when coverage would be partial. */
  allowAlwaysPatterns: string[];
}

/** Shells nested in shell text are followed this deep (`sh -c "bash -c 'ls'"` is depth 2). */
export const MAX_SHELL_DEPTH = 3;
const WINDOWS_SHELLS = ["cmd", "powershell", "pwsh"];
/** Interpreters and other programs that run whatever their arguments say; never persisted by allow-always. */
const CODE_RUNNERS = /^(python[0-9.]*|pypy[0-9.]*|node(js)?|deno|bun|perl[0-9.]*|ruby[0-9.]*|irb|php[0-9.]*|lua[0-9.]*|luajit|tclsh[0-9.]*|wish|osascript|[gmn]?awk|busybox|toybox|xargs|find|expect|r|rscript|julia|java|jshell|guile|racket|sbcl|clisp|ghci|erl|elixir|iex|swift|pwsh|gdb|vim?|nvim|emacs|sed)$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const NEEDS_EXPANSION = /[$*?[\]{}`~]/;

interface Context {
  resolve: (argv0: string) => string | undefined;
  entries: { pattern: string; matches: (path: string) => boolean; wildcard: boolean }[];
  platform: NodeJS.Platform;
}

/** Segments judged so far; `patterns` null once some segment can never be persisted. */
interface Judged {
  verdicts: SegmentVerdict[];
  analysisOk: boolean;
  analysisReason?: string;
  patterns: string[] | null;
}

function firstMatch(ctx: Context, path: string | undefined): string | undefined {
  // a `*` entry matches even an unresolved command (§3.7 step 1); other entries need a path
  return ctx.entries.find((e) => e.wildcard || (path !== undefined && e.matches(path)))?.pattern;
}

// A wrapper or shell binary runs with the whole command as its input, so it must be one we trust.
function trustedWrapper(ctx: Context, token: string): boolean {
  const path = ctx.resolve(token);
  if (path === undefined) return false;
  return SAFE_BIN_TRUSTED_DIRS.includes(posix.dirname(posix.resolve(path))) || firstMatch(ctx, path) !== undefined;
}

function persistable(target: string, resolvedPath: string | undefined): string[] | null {
  if (resolvedPath === undefined) return null;
  const name = executableBaseName(resolvedPath);
  return CODE_RUNNERS.test(name) || CODE_RUNNERS.test(executableBaseName(target)) ? null : [resolvedPath];
}

function miss(argv: readonly string[], reason: string, resolvedPath?: string): Judged {
  const verdict: SegmentVerdict = { argv: [...argv], satisfied: false, reason };
  if (resolvedPath !== undefined) verdict.resolvedPath = resolvedPath;
  return { verdicts: [verdict], analysisOk: true, patterns: null };
}

function merge(parts: readonly Judged[]): Judged {
  const failed = parts.find((p) => !p.analysisOk);
  const merged: Judged = {
    verdicts: parts.flatMap((p) => p.verdicts),
    analysisOk: failed === undefined,
    patterns: parts.some((p) => p.patterns === null) ? null : parts.flatMap((p) => p.patterns ?? []),
  };
  if (failed?.analysisReason !== undefined) merged.analysisReason = failed.analysisReason;
  return merged;
}

// `shell` is the shell's argv after dispatch wrappers; verdicts report the segment as written (`argv`).
function judgeShell(ctx: Context, argv: readonly string[], shell: readonly string[], depth: number): Judged {
  const head = shell[0] ?? "";
  const name = executableBaseName(head);
  const shellPath = ctx.resolve(head);
  const found = analyzeShellWrapper(shell);
  if (found === null) return miss(argv, `${name} without an inline command runs a script or stdin; shells are never allowlisted`, shellPath);
  if (name === "fish") return miss(argv, "fish syntax is not analysed", shellPath);
  const option = unsafeShellOption(found.options);
  if (option !== null) return miss(argv, `unsupported ${option}`, shellPath);
  // `bash -c -x 'cmd'` runs `cmd`, not "-x"
  if (/^[-+]/.test(found.inlineCommand.trimStart())) return miss(argv, "inline command starts like an option", shellPath);
  if (!trustedWrapper(ctx, head)) return miss(argv, `shell ${head} is not in a trusted directory`, shellPath);
  const analysis = depth >= MAX_SHELL_DEPTH ? { ok: false as const, reason: "shell wrappers nested too deep" } : analyzeShellText(found.inlineCommand);
  if (!analysis.ok) {
    const judged = miss(argv, analysis.reason, shellPath);
    return { ...judged, analysisOk: false, analysisReason: analysis.reason };
  }
  return merge(analysis.segments.map((segment) => judgeArgv(ctx, segment, depth + 1, true)));
}

function judgeArgv(ctx: Context, argv: readonly string[], depth: number, inShell: boolean): Judged {
  const head = argv[0] ?? "";
  if (inShell) {
    // the shell, not PATH, decides what these run
    if (ASSIGNMENT.test(head)) return miss(argv, "environment assignment in front of the command");
    if (isShellBuiltin(head)) return miss(argv, `shell keyword or builtin ${head}`);
    // a leading `~` or `~/` is the home directory for the shell and for `resolve` alike
    const literal = /^~(\/|$)/.test(head) ? head.slice(1) : head;
    if (NEEDS_EXPANSION.test(literal)) return miss(argv, "executable name needs shell expansion");
  }
  const unwrapped = unwrapDispatchWrappers(argv);
  if (!unwrapped.ok) return miss(argv, unwrapped.reason);
  const untrusted = unwrapped.wrapperTokens.find((token) => !trustedWrapper(ctx, token));
  if (untrusted !== undefined) return miss(argv, `wrapper ${untrusted} is not in a trusted directory`);
  if (unwrapped.envAssignments) return miss(argv, "env with assignments changes what the command does");
  const inner = unwrapped.argv;
  const target = inner[0] ?? "";
  const name = executableBaseName(target);
  if (WINDOWS_SHELLS.includes(name)) return miss(argv, `${name} wrappers always need approval`, ctx.resolve(target));
  if ((SHELL_APPLETS as readonly string[]).includes(name)) return judgeShell(ctx, argv, inner, depth);

  const resolvedPath = ctx.resolve(target);
  const verdict: SegmentVerdict = { argv: [...argv], satisfied: false };
  if (resolvedPath !== undefined) verdict.resolvedPath = resolvedPath;
  const matched = firstMatch(ctx, resolvedPath);
  if (matched !== undefined) {
    verdict.matchedPattern = matched;
    verdict.satisfied = true;
    return { verdicts: [verdict], analysisOk: true, patterns: persistable(target, resolvedPath) };
  }
  if (isSafeBinUse(inner, resolvedPath, { platform: ctx.platform, shellText: inShell })) {
    verdict.safeBin = true;
    verdict.satisfied = true;
    return { verdicts: [verdict], analysisOk: true, patterns: [] };
  }
  verdict.reason = resolvedPath === undefined ? `${target} not found` : "not allowlisted";
  return { verdicts: [verdict], analysisOk: true, patterns: persistable(target, resolvedPath) };
}

export function evaluateExec(input: EvaluateInput): Evaluation {
  const platform = input.platform ?? process.platform;
  const ctx: Context = {
    resolve: input.resolve,
    platform,
    entries: input.policy.allowlist
      .filter((entry) => entry.pattern.trim() === "*" || /[/\\~]/.test(entry.pattern)) // no basename patterns (§3.7 step 3)
      .map((entry) => ({
        pattern: entry.pattern,
        wildcard: entry.pattern.trim() === "*",
        matches: compileAllowlistPattern(entry.pattern, input.home),
      })),
  };
  const wrapper = analyzeShellWrapper(input.argv);
  const judged = judgeArgv(ctx, input.argv, 0, false);
  const segments = judged.verdicts;
  const allowlistSatisfied = judged.analysisOk && segments.length > 0 && segments.every((s) => s.satisfied);
  const decision = decideExec({
    security: input.policy.security,
    ask: input.policy.ask,
    allowlistSatisfied,
    analysisOk: judged.analysisOk,
    shellWrapper: wrapper !== null,
    windowsShell: wrapper?.shell === "cmd",
    approved: input.approved === true,
  });
  const evaluation: Evaluation = {
    decision,
    shellWrapper: wrapper !== null,
    analysisOk: judged.analysisOk,
    segments,
    allowlistSatisfied,
    matchedPatterns: [...new Set(segments.flatMap((s) => (s.matchedPattern === undefined ? [] : [s.matchedPattern])))],
    allowAlwaysPatterns: judged.analysisOk && judged.patterns !== null ? [...new Set(judged.patterns)] : [],
  };
  if (judged.analysisReason !== undefined) evaluation.analysisReason = judged.analysisReason;
  const first = segments[0]?.resolvedPath;
  if (first !== undefined) evaluation.resolvedPath = first;
  return evaluation;
}
