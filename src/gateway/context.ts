// What method handlers may use of the gateway. Keeps handlers testable and the server file small.
import type { Connection } from "./connection.js";
import type { InvokeRouter } from "./invoke-router.js";
import type { IdempotencyCache } from "./idempotency.js";
import type { NodeRegistry } from "./node-registry.js";
import type { PairingStore } from "./pairing-store.js";
import type { CommandPolicy } from "./node-surface.js";
import type { Logger } from "../shared/log.js";
import type { ApprovalRegistry } from "./exec-approvals-registry.js";

export interface GatewayContext {
  store: PairingStore;
  nodes: NodeRegistry;
  invokes: InvokeRouter;
  /** node.invoke results by idempotencyKey (a retry runs the command at most once). */
  idempotency: IdempotencyCache;
  approvals: ApprovalRegistry;
  log: Logger;
  commandPolicy: CommandPolicy;
  /** The gateway's state directory (its own exec-approvals.json and audit.jsonl live there). */
  readonly stateDir: string;
  /** ws(s)://host:port a node on this machine would use (for join codes). */
  publicUrl(): string;
  /** SHA-256 fingerprint of the gateway's TLS certificate when it serves wss:// (put into join codes). */
  readonly tlsFingerprint?: string | undefined;
  /** Sends a scope-filtered event to operators. */
  broadcast(event: string, payload: unknown): void;
  /** Closes every live socket of a device (e.g. after removal or revocation). */
  disconnectDevice(deviceId: string, code: number, reason: string): void;
  /** Appends an entry to the gateway's audit log (`<stateDir>/audit.jsonl`). */
  audit(entry: Record<string, unknown>): void;
  /** Re-evaluates a live node session after its approved surface changed. */
  refreshNodeSurface(nodeId: string): void;
}

/** `reqId` lets two-phase methods send an interim answer before returning the final one. */
export type Handler = (ctx: GatewayContext, conn: Connection, params: unknown, reqId: string) => Promise<unknown> | unknown;

export interface MethodDef {
  schema: import("@sinclair/typebox").TSchema;
  handler: Handler;
}
