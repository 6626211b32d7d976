// Runs one command and returns one result shape, whatever happened (node-host.md §4.4–4.7; quirks §12.18,
// §12.19). No shell; stdin is /dev/null; the child leads its own process group so that a timeout or a
// cancel can take down everything it started (SIGTERM to the group, SIGKILL after a grace period).
// Output is capped per stream on a UTF-8 boundary, and the result is produced on 'close', when both
// pipes are drained.
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";

export interface RunProcessOptions {
  argv: string[];
  cwd?: string;
  env: Record<string, string>;
  /** > 0 enables the timeout; absent or 0 = none. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Per stream; default 200 000 bytes. */
  outputCapBytes?: number;
  /** SIGTERM → SIGKILL delay; default 500 ms. */
  killGraceMs?: number;
  /** File to execute instead of looking argv[0] up in PATH (argv[0] is still what the child sees). */
  executable?: string;
}

export interface ProcessResult {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  error: string | null;
  durationMs: number;
}

export const DEFAULT_OUTPUT_CAP_BYTES = 200_000;
export const DEFAULT_KILL_GRACE_MS = 500;
export const TIMEOUT_EXIT_CODE = 124;
export const TRUNCATION_MARKER = "\n... (truncated)";
/** setTimeout's limit; a longer delay would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Process-group leaders of the runs in progress. */
const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    // ESRCH: the group is gone already; anything else (no process groups, e.g. Windows): the child alone
    if ((err as NodeJS.ErrnoException).code !== "ESRCH" && child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

/** SIGKILLs every running process group (node host shutdown). */
export function killAllRunning(): void {
  for (const child of running) signalGroup(child, "SIGKILL");
}

/** Number of runs in progress (for status and tests). */
export function runningCount(): number {
  return running.size;
}

/** Length of the longest prefix of `buf` (≤ cap) that does not split a UTF-8 sequence. */
export function utf8SafeLength(buf: Buffer, cap: number): number {
  if (buf.length <= cap) return buf.length;
  let start = cap;
  // back up over continuation bytes (10xxxxxx) to the first byte of the character that crosses the cap
  while (start > 0 && start > cap - 4 && ((buf[start] ?? 0) & 0xc0) === 0x80) start--;
  return start;
}

// Collects one stream up to `cap` bytes and keeps draining (and discarding) after that.
class CappedSink {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    if (this.size >= this.cap + 4) {
      this.truncated = true;
      return;
    }
    // keep up to 4 extra bytes so the final cut can see where the crossing character ends
    const room = this.cap + 4 - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    if (kept.length < chunk.length) this.truncated = true;
  }

  text(): { text: string; truncated: boolean } {
    const all = Buffer.concat(this.chunks, this.size);
    if (!this.truncated && all.length <= this.cap) return { text: all.toString("utf8"), truncated: false };
    return { text: all.subarray(0, utf8SafeLength(all, this.cap)).toString("utf8") + TRUNCATION_MARKER, truncated: true };
  }
}

// The message for a launch failure; a missing cwd gets its own, clearer text.
function launchError(err: unknown, cwd: string | undefined): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (cwd !== undefined && code === "ENOENT" && !directoryExists(cwd)) return `working directory does not exist on the node host: ${cwd}`;
  return `Command failed during launch or output capture (${code ?? "unknown error"})`;
}

function directoryExists(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// Checks the cwd before spawning: Node reports a missing cwd as "spawn <cmd> ENOENT", which reads like a
// missing executable.
function checkCwd(cwd: string | undefined): string | null {
  if (cwd === undefined) return null;
  try {
    if (!statSync(cwd).isDirectory()) return `working directory is not a directory on the node host: ${cwd}`;
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return `working directory does not exist on the node host: ${cwd}`;
    return `working directory is not accessible on the node host: ${cwd} (${(err as NodeJS.ErrnoException).code ?? "error"})`;
  }
}

function failedBeforeLaunch(error: string, started: number, cancelled = false): ProcessResult {
  return {
    timedOut: false,
    cancelled,
    stdout: "",
    stderr: "",
    stdoutTruncated: false,
    stderrTruncated: false,
    error,
    durationMs: Date.now() - started,
  };
}

export function runProcess(opts: RunProcessOptions): Promise<ProcessResult> {
  const started = Date.now();
  const [argv0, ...args] = opts.argv;
  if (argv0 === undefined || argv0 === "") return Promise.resolve(failedBeforeLaunch("command required", started));
  if (opts.signal?.aborted) return Promise.resolve(failedBeforeLaunch("cancelled before launch", started, true));
  const cwdProblem = checkCwd(opts.cwd);
  if (cwdProblem) return Promise.resolve(failedBeforeLaunch(cwdProblem, started));

  const cap = opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
  const graceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  let child: ChildProcess;
  try {
    child = spawn(opts.executable ?? argv0, args, {
      argv0,
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      windowsHide: true,
    });
  } catch (err) {
    return Promise.resolve(failedBeforeLaunch(launchError(err, opts.cwd), started));
  }

  return new Promise<ProcessResult>((resolve) => {
    const stdout = new CappedSink(cap);
    const stderr = new CappedSink(cap);
    let timedOut = false;
    let cancelled = false;
    let terminating = false;
    let launchFailure: string | null = null;
    let captureFailure: string | null = null;
    let settled = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    running.add(child);
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));

    // SIGTERM to the group now, SIGKILL to the group after the grace period.
    const terminate = (): void => {
      if (terminating) return;
      terminating = true;
      signalGroup(child, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
    };
    const onAbort = (): void => {
      cancelled = true;
      terminate();
    };

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      // anything of the group that outlived SIGTERM (and no longer holds the pipes) goes now
      if (terminating) signalGroup(child, "SIGKILL");
      running.delete(child);
      opts.signal?.removeEventListener("abort", onAbort);
      const out = stdout.text();
      const err = stderr.text();
      const result: ProcessResult = {
        timedOut,
        cancelled,
        stdout: out.text,
        stderr: err.text,
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        error: launchFailure ?? captureFailure,
        durationMs: Date.now() - started,
      };
      if (timedOut) result.exitCode = TIMEOUT_EXIT_CODE;
      else if (launchFailure === null && exitCode !== null) result.exitCode = exitCode;
      if (signal !== null && launchFailure === null) result.signal = signal;
      resolve(result);
    };

    child.on("error", (err) => {
      // without a pid the process never started ('close' follows, but do not depend on it)
      if (child.pid !== undefined) return;
      launchFailure = launchError(err, opts.cwd);
      finish(null, null);
    });
    const onStreamError = (err: unknown): void => {
      captureFailure ??= `Command failed during launch or output capture (${(err as NodeJS.ErrnoException).code ?? "EIO"})`;
    };
    child.stdout?.on("error", onStreamError);
    child.stderr?.on("error", onStreamError);
    child.on("close", (code, signal) => finish(code, signal));

    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      timeoutTimer = setTimeout(() => {
        timedOut = true;
        terminate();
      }, Math.min(opts.timeoutMs, MAX_TIMER_MS));
    }
    opts.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
