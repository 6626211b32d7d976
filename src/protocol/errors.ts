import { ErrorCodes, type ErrorCode, LIMITS } from "./codes.js";

export interface ErrorShape {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** An error that has a wire representation (`res.error`). */
export class ProtocolError extends Error {
  readonly code: ErrorCode | string;
  readonly details: unknown;
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode | string, message: string, extra: { details?: unknown; retryable?: boolean; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.details = extra.details;
    this.retryable = extra.retryable;
    this.retryAfterMs = extra.retryAfterMs;
  }

  toShape(): ErrorShape {
    const shape: ErrorShape = { code: this.code, message: this.message };
    if (this.details !== undefined) shape.details = this.details;
    if (this.retryable !== undefined) shape.retryable = this.retryable;
    if (this.retryAfterMs !== undefined) shape.retryAfterMs = this.retryAfterMs;
    return shape;
  }
}

export function invalidRequest(message: string, details?: unknown): ProtocolError {
  return new ProtocolError(ErrorCodes.INVALID_REQUEST, message, details === undefined ? {} : { details });
}

/** WebSocket close reasons are limited to 123 bytes; cut on a UTF-8 boundary. */
export function truncateCloseReason(reason: string, maxBytes: number = LIMITS.closeReasonBytes): string {
  const buf = Buffer.from(reason, "utf8");
  if (buf.length <= maxBytes) return reason;
  let end = maxBytes;
  // step back over UTF-8 continuation bytes so no character is split
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8");
}
