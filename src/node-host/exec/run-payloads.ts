// Wire shapes of a system.run: the result payload (node-host.md §4.7, reference-run.md §4.3) and the
// exec.finished / exec.denied event payloads (§4.9). Key order is the reference's.
import type { SystemRunResult } from "../../protocol/methods.js";
import type { ProcessResult } from "./run-process.js";

export const EVENT_OUTPUT_MAX_CHARS = 20_000;

export interface RunIdentity {
  sessionKey: string;
  runId: string;
  command: string;
  suppressNotifyOnExit: boolean;
}

export function runResultPayload(r: ProcessResult): SystemRunResult {
  const success = r.exitCode === 0 && !r.timedOut && !r.error;
  return {
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    timedOut: r.timedOut,
    success,
    stdout: r.stdout,
    stderr: r.stderr,
    error: r.error,
  };
}

/** stdout, stderr and error joined, trimmed; the last 20 000 characters when longer; undefined if empty. */
export function eventOutput(r: Pick<ProcessResult, "stdout" | "stderr" | "error">): string | undefined {
  const text = [r.stdout, r.stderr, r.error ?? ""].filter((part) => part.length > 0).join("\n").trim();
  if (text === "") return undefined;
  if (text.length <= EVENT_OUTPUT_MAX_CHARS) return text;
  let tail = text.slice(-EVENT_OUTPUT_MAX_CHARS);
  // do not start with the second half of a surrogate pair
  if (/^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  return `... (truncated) ${tail}`;
}

export function finishedEventPayload(id: RunIdentity, result: SystemRunResult, output: string | undefined): Record<string, unknown> {
  return {
    sessionKey: id.sessionKey,
    runId: id.runId,
    host: "node",
    command: id.command,
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    timedOut: result.timedOut,
    success: result.success,
    ...(output !== undefined ? { output } : {}),
    suppressNotifyOnExit: id.suppressNotifyOnExit,
  };
}

export function deniedEventPayload(id: RunIdentity, reason: string): Record<string, unknown> {
  return { sessionKey: id.sessionKey, runId: id.runId, host: "node", command: id.command, reason, suppressNotifyOnExit: id.suppressNotifyOnExit };
}
