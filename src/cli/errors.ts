// Two kinds of failure: UserError (expected, short message, exit code, no stack) and everything
// else (a bug: stack trace and a request to report it).
import { ConfigError } from "../shared/config.js";
import { IdentityError } from "../node-host/identity.js";
import { NodeConfigError } from "../node-host/node-config.js";

export class UserError extends Error {
  override name = "UserError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** An error answer from the gateway (`res.error`). */
export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function handleError(err: unknown, json: boolean): number {
  const expected = [UserError, GatewayError, ConfigError, IdentityError, NodeConfigError].some((k) => err instanceof k);
  if (expected) {
    const e = err as Error & { code?: string; details?: unknown; exitCode?: number };
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { ...(e.code ? { code: e.code } : {}), message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } }, null, 2) + "\n");
    else process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode ?? 1;
  }
  const e = err as Error;
  process.stderr.write(`internal error: ${e?.stack ?? String(err)}\nThis is a bug in openclaw-lite; please report it with the output above.\n`);
  return 70;
}
