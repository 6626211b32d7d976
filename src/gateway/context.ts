// What method handlers may use of the gateway. Keeps handlers testable and the server file small.
import type { Connection } from "./connection.js";
import type { InvokeRouter } from "./invoke-router.js";
import type { NodeRegistry } from "./node-registry.js";
import type { PairingStore } from "./pairing-store.js";
import type { CommandPolicy } from "./node-surface.js";
import type { Logger } from "../shared/log.js";

export interface GatewayContext {
  store: PairingStore;
  nodes: NodeRegistry;
  invokes: InvokeRouter;
  log: Logger;
  commandPolicy: CommandPolicy;
  /** ws(s)://host:port a node on this machine would use (for join codes). */
  publicUrl(): string;
  /** Sends a scope-filtered event to operators. */
  broadcast(event: string, payload: unknown): void;
  /** Closes every live socket of a device (e.g. after removal or revocation). */
  disconnectDevice(deviceId: string, code: number, reason: string): void;
  /** Re-evaluates a live node session after its approved surface changed. */
  refreshNodeSurface(nodeId: string): void;
}

export type Handler = (ctx: GatewayContext, conn: Connection, params: unknown) => Promise<unknown> | unknown;

export interface MethodDef {
  schema: import("@sinclair/typebox").TSchema;
  handler: Handler;
}
