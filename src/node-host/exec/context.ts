// What a command handler gets from the node host's invoke dispatcher, and what it gives back.
import { ErrorCodes } from "../../protocol/codes.js";

export interface CommandContext {
  /** The node host's state directory; the approvals file is <stateDir>/exec-approvals.json. */
  stateDir: string;
  /** The node host's own environment (children get a sanitised copy). */
  hostEnv: NodeJS.ProcessEnv;
  /** Aborted when the gateway cancels the invoke or the node host shuts down. */
  signal: AbortSignal;
  /** Sends a `node.event`; awaited so the gateway sees the event before the invoke result. */
  emitEvent(event: string, payload: unknown): Promise<void>;
}

export type CommandOutcome = { ok: true; payload: unknown } | { ok: false; error: { code: string; message: string } };

export const INVALID_REQUEST = ErrorCodes.INVALID_REQUEST;
export const SYSTEM_RUN_DENIED = "SYSTEM_RUN_DENIED";

export function fail(code: string, message: string): CommandOutcome {
  return { ok: false, error: { code, message } };
}
