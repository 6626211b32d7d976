// Frame envelopes and the connect handshake (protocol.md §2, §3). All objects are closed, as in
// the reference (`additionalProperties: false`): an unknown field makes the frame invalid.
import type { Static } from "@sinclair/typebox";
import { Type } from "./schema-builder.js";

const closed = { additionalProperties: false } as const;

/** A string enum rendered as JSON-Schema `enum` (ajv: "must be equal to one of the allowed values"). */
export function StringEnum<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values] });
}

export const NonEmptyString = (opts: { maxLength?: number } = {}) => Type.String({ minLength: 1, ...opts });

export const ErrorShapeSchema = Type.Object(
  {
    code: NonEmptyString(),
    message: NonEmptyString(),
    details: Type.Optional(Type.Unknown()),
    retryable: Type.Optional(Type.Boolean()),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  closed,
);

export const RequestFrameSchema = Type.Object(
  {
    type: Type.Literal("req"),
    id: NonEmptyString(),
    method: NonEmptyString(),
    params: Type.Optional(Type.Unknown()),
    traceparent: Type.Optional(Type.String({ maxLength: 128 })),
    expectedProfileId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  closed,
);
export type RequestFrame = Static<typeof RequestFrameSchema>;

export const ResponseFrameSchema = Type.Object(
  {
    type: Type.Literal("res"),
    id: Type.String(),
    ok: Type.Boolean(),
    payload: Type.Optional(Type.Unknown()),
    error: Type.Optional(ErrorShapeSchema),
  },
  closed,
);
export type ResponseFrame = Static<typeof ResponseFrameSchema>;

export const EventFrameSchema = Type.Object(
  {
    type: Type.Literal("event"),
    event: NonEmptyString(),
    payload: Type.Optional(Type.Unknown()),
    seq: Type.Optional(Type.Integer({ minimum: 0 })),
    stateVersion: Type.Optional(Type.Object({ presence: Type.Integer(), health: Type.Integer() })),
    recipientProfileId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  closed,
);
export type EventFrame = Static<typeof EventFrameSchema>;

export type Frame = RequestFrame | ResponseFrame | EventFrame;

export const CLIENT_IDS = [
  "webchat-ui",
  "openclaw-control-ui",
  "openclaw-browser-copilot",
  "openclaw-tui",
  "webchat",
  "cli",
  "gateway-client",
  "openclaw-macos",
  "openclaw-linux",
  "openclaw-ios",
  "openclaw-watchos",
  "openclaw-android",
  "node-host",
  "openclaw-worker",
  "test",
  "fingerprint",
  "openclaw-probe",
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export const CLIENT_MODES = ["webchat", "cli", "ui", "backend", "node", "worker", "probe", "test"] as const;
export type ClientMode = (typeof CLIENT_MODES)[number];

export const ClientInfoSchema = Type.Object(
  {
    id: StringEnum(CLIENT_IDS),
    displayName: Type.Optional(NonEmptyString()),
    version: NonEmptyString(),
    buildId: Type.Optional(Type.String({ minLength: 1, maxLength: 96 })),
    platform: NonEmptyString(),
    deviceFamily: Type.Optional(NonEmptyString()),
    modelIdentifier: Type.Optional(NonEmptyString()),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    mode: StringEnum(CLIENT_MODES),
    instanceId: Type.Optional(NonEmptyString()),
  },
  closed,
);
export type ClientInfo = Static<typeof ClientInfoSchema>;

export const DeviceProofSchema = Type.Object(
  {
    id: NonEmptyString(),
    publicKey: NonEmptyString(),
    signature: NonEmptyString(),
    signedAt: Type.Integer({ minimum: 0 }),
    nonce: NonEmptyString(),
  },
  closed,
);
export type DeviceProof = Static<typeof DeviceProofSchema>;

export const ConnectAuthSchema = Type.Object(
  {
    token: Type.Optional(Type.String()),
    bootstrapToken: Type.Optional(Type.String()),
    deviceToken: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    approvalRuntimeToken: Type.Optional(Type.String()),
    agentRuntimeIdentityToken: Type.Optional(Type.String()),
  },
  closed,
);
export type ConnectAuth = Static<typeof ConnectAuthSchema>;

export const ConnectParamsSchema = Type.Object(
  {
    minProtocol: Type.Integer({ minimum: 1 }),
    maxProtocol: Type.Integer({ minimum: 1 }),
    client: ClientInfoSchema,
    caps: Type.Optional(Type.Array(NonEmptyString())),
    commands: Type.Optional(Type.Array(NonEmptyString())),
    permissions: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
    pathEnv: Type.Optional(Type.String()),
    role: Type.Optional(NonEmptyString()),
    scopes: Type.Optional(Type.Array(Type.String())),
    device: Type.Optional(DeviceProofSchema),
    auth: Type.Optional(ConnectAuthSchema),
    locale: Type.Optional(Type.String()),
    userAgent: Type.Optional(Type.String()),
    computerUse: Type.Optional(Type.Unknown()),
    workerRuns: Type.Optional(Type.Unknown()),
    modelCatalog: Type.Optional(Type.Unknown()),
  },
  closed,
);
export type ConnectParams = Static<typeof ConnectParamsSchema>;

export const ConnectChallengeSchema = Type.Object({
  nonce: NonEmptyString(),
  ts: Type.Integer({ minimum: 0 }),
  capabilities: Type.Optional(Type.Array(Type.String())),
});
export type ConnectChallenge = Static<typeof ConnectChallengeSchema>;

export const HelloOkAuthSchema = Type.Object({
  role: Type.String(),
  scopes: Type.Array(Type.String()),
  method: Type.Optional(Type.String()),
  deviceToken: Type.Optional(Type.String()),
  issuedAtMs: Type.Optional(Type.Integer()),
});

/** What a client needs from hello-ok (the reference client reads no more than this). */
export const HelloOkSchema = Type.Object({
  type: Type.Literal("hello-ok"),
  protocol: Type.Integer(),
  server: Type.Object({ version: Type.String(), connId: Type.String() }),
  features: Type.Object({ methods: Type.Array(Type.String()), events: Type.Array(Type.String()) }),
  snapshot: Type.Unknown(),
  auth: Type.Optional(HelloOkAuthSchema),
  policy: Type.Object({
    maxPayload: Type.Integer(),
    maxBufferedBytes: Type.Integer(),
    tickIntervalMs: Type.Integer({ minimum: 1 }),
  }),
});
export type HelloOk = Static<typeof HelloOkSchema> & Record<string, unknown>;
