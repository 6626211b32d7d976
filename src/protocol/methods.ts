// Params of the methods and events of the node system (protocol.md §6–§7, node-host.md §4–§5).
import type { Static } from "@sinclair/typebox";
import { Type } from "./schema-builder.js";
import { NonEmptyString, StringEnum } from "./frames.js";

const closed = { additionalProperties: false } as const;
const Empty = Type.Object({}, { additionalProperties: true });

// ---- operator → gateway ----------------------------------------------------------------------

export const NodeInvokeParamsSchema = Type.Object(
  {
    nodeId: NonEmptyString(),
    command: NonEmptyString(),
    params: Type.Optional(Type.Unknown()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
    idempotencyKey: NonEmptyString(),
    sessionKey: Type.Optional(NonEmptyString()),
    turnSourceChannel: Type.Optional(Type.String()),
    turnSourceTo: Type.Optional(Type.String()),
    turnSourceAccountId: Type.Optional(Type.String()),
    turnSourceThreadId: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  },
  closed,
);
export type NodeInvokeParams = Static<typeof NodeInvokeParamsSchema>;

export const NodeIdParamsSchema = Type.Object({ nodeId: NonEmptyString() }, closed);
export const NodeRenameParamsSchema = Type.Object({ nodeId: NonEmptyString(), displayName: Type.String() }, closed);
export const RequestIdParamsSchema = Type.Object({ requestId: NonEmptyString() }, closed);
export const DeviceIdParamsSchema = Type.Object({ deviceId: NonEmptyString() }, closed);
export const DeviceRenameParamsSchema = Type.Object(
  { deviceId: NonEmptyString(), label: Type.String({ minLength: 1, maxLength: 64 }) },
  closed,
);
export const DeviceTokenParamsSchema = Type.Object(
  { deviceId: NonEmptyString(), role: NonEmptyString(), scopes: Type.Optional(Type.Array(Type.String())) },
  closed,
);
export const EmptyParamsSchema = Empty;
export const HealthParamsSchema = Type.Object({ probe: Type.Optional(Type.Boolean()) }, { additionalProperties: true });

export const SetupCodeParamsSchema = Type.Object(
  {
    publicUrl: Type.Optional(Type.String()),
    preferRemoteUrl: Type.Optional(Type.Boolean()),
    includeQr: Type.Optional(Type.Boolean()),
    bootstrapProfile: Type.Optional(StringEnum(["limited", "node", "voice-node"] as const)),
    joinUrl: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const ExecApprovalsNodeGetParamsSchema = Type.Object({ nodeId: NonEmptyString() }, closed);
export const ExecApprovalsNodeSetParamsSchema = Type.Object(
  { nodeId: NonEmptyString(), file: Type.Record(Type.String(), Type.Unknown()), baseHash: Type.Optional(Type.String()) },
  closed,
);

// ---- node → gateway ----------------------------------------------------------------------------

export const NodeInvokeResultParamsSchema = Type.Object(
  {
    id: NonEmptyString(),
    nodeId: NonEmptyString(),
    ok: Type.Boolean(),
    payload: Type.Optional(Type.Unknown()),
    payloadJSON: Type.Optional(Type.String()),
    error: Type.Optional(
      Type.Object({ code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }, closed),
    ),
  },
  closed,
);
export type NodeInvokeResultParams = Static<typeof NodeInvokeResultParamsSchema>;

export const NodeEventParamsSchema = Type.Object(
  { event: NonEmptyString(), payload: Type.Optional(Type.Unknown()), payloadJSON: Type.Optional(Type.String()) },
  closed,
);
export type NodeEventParams = Static<typeof NodeEventParamsSchema>;

export const NodeInvokeProgressParamsSchema = Type.Object(
  { invokeId: NonEmptyString(), nodeId: NonEmptyString(), seq: Type.Integer({ minimum: 0 }), chunk: Type.String() },
  closed,
);

// ---- gateway → node events --------------------------------------------------------------------

export const NodeInvokeRequestSchema = Type.Object({
  id: NonEmptyString(),
  nodeId: NonEmptyString(),
  command: NonEmptyString(),
  paramsJSON: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  params: Type.Optional(Type.Unknown()),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
  idempotencyKey: Type.Optional(Type.String()),
  sessionKey: Type.Optional(Type.String()),
});
export type NodeInvokeRequest = Static<typeof NodeInvokeRequestSchema>;

export const NodeInvokeCancelSchema = Type.Object({ invokeId: NonEmptyString(), nodeId: Type.Optional(Type.String()) });

// ---- node commands (inside paramsJSON) --------------------------------------------------------

export const SystemRunParamsSchema = Type.Object({
  command: Type.Array(Type.Unknown(), { minItems: 1 }),
  rawCommand: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  cwd: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  env: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  timeoutMs: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  needsScreenRecording: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  agentId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  sessionKey: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  runId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  approved: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  approvalDecision: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  systemRunPlan: Type.Optional(Type.Unknown()),
  approvalSource: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  suppressNotifyOnExit: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});
export type SystemRunParams = Static<typeof SystemRunParamsSchema>;

export interface SystemRunResult {
  exitCode?: number;
  timedOut: boolean;
  success: boolean;
  stdout: string;
  stderr: string;
  error: string | null;
}

/** Commands whose approval needs operator.admin (protocol.md §6.2). */
export const ADMIN_NODE_COMMANDS = new Set([
  "system.run",
  "system.run.prepare",
  "system.which",
  "system.execApprovals.get",
  "system.execApprovals.set",
  "browser.proxy",
  "browser.proxy.upload.v1",
  "fs.listDir",
  "terminal.upload",
]);

/** Commands a Linux/macOS/Windows node may expose by default (protocol.md §6.2). */
export const DEFAULT_ALLOWED_NODE_COMMANDS = new Set([
  "system.run",
  "system.run.prepare",
  "system.which",
  "system.execApprovals.get",
  "system.execApprovals.set",
  "system.execApprovals.log",
  "system.notify",
  "fs.listDir",
  "terminal.upload",
  "browser.proxy",
  "browser.proxy.upload.v1",
  "mcp.tools.call.v1",
  "agent.cli.claude.run.v1",
  "screen.snapshot",
  "desktop.stream",
  "computer.act",
  "ollama.chat",
  "ollama.models",
]);
