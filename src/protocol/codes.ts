// Protocol constants: versions, limits, error codes and close codes, as the reference 2026.9.6 uses them.

export const PROTOCOL_VERSION = 4;
export const MIN_CLIENT_PROTOCOL = 4;
export const MIN_NODE_PROTOCOL = 3;
export const MIN_PROBE_PROTOCOL = 3;

/** Version string we report as `client.version` / `server.version`. */
export const LITE_VERSION = "2026.9.6-lite.0.1.0";

export const LIMITS = {
  /** Largest frame accepted before hello-ok. */
  preauthPayloadBytes: 65_536,
  /** Largest frame after hello-ok (`hello-ok.policy.maxPayload`). */
  maxPayloadBytes: 26_214_400,
  /** Outbound buffer cap per socket (`policy.maxBufferedBytes`). */
  maxBufferedBytes: 52_428_800,
  tickIntervalMs: 30_000,
  handshakeTimeoutMs: 15_000,
  /** Frames queued while a connect is processed; the 16th closes the socket. */
  maxPendingHandshakeFrames: 15,
  signatureSkewMs: 120_000,
  devicePairingTtlMs: 300_000,
  bootstrapTokenTtlMs: 600_000,
  defaultInvokeTimeoutMs: 30_000,
  wsPingIntervalMs: 25_000,
  /** Consecutive `unauthorized role:` errors tolerated on one socket. */
  maxUnauthorizedRoleCalls: 10,
  /** Close reasons are cut to 120 UTF-8 bytes, as the reference's close-reason.ts (not the 123-byte WS limit). */
  closeReasonBytes: 120,
} as const;

export const ErrorCodes = {
  INVALID_REQUEST: "INVALID_REQUEST",
  NOT_PAIRED: "NOT_PAIRED",
  FORBIDDEN: "FORBIDDEN",
  UNAVAILABLE: "UNAVAILABLE",
  APPROVAL_NOT_FOUND: "APPROVAL_NOT_FOUND",
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** `error.details.code` values for connect failures (protocol.md §8.2). */
export const ConnectDetailCodes = {
  AUTH_REQUIRED: "AUTH_REQUIRED",
  AUTH_UNAUTHORIZED: "AUTH_UNAUTHORIZED",
  AUTH_TOKEN_MISSING: "AUTH_TOKEN_MISSING",
  AUTH_TOKEN_MISMATCH: "AUTH_TOKEN_MISMATCH",
  AUTH_TOKEN_NOT_CONFIGURED: "AUTH_TOKEN_NOT_CONFIGURED",
  AUTH_PASSWORD_MISSING: "AUTH_PASSWORD_MISSING",
  AUTH_PASSWORD_MISMATCH: "AUTH_PASSWORD_MISMATCH",
  AUTH_PASSWORD_NOT_CONFIGURED: "AUTH_PASSWORD_NOT_CONFIGURED",
  AUTH_BOOTSTRAP_TOKEN_INVALID: "AUTH_BOOTSTRAP_TOKEN_INVALID",
  AUTH_DEVICE_TOKEN_MISMATCH: "AUTH_DEVICE_TOKEN_MISMATCH",
  AUTH_SCOPE_MISMATCH: "AUTH_SCOPE_MISMATCH",
  AUTH_RATE_LIMITED: "AUTH_RATE_LIMITED",
  PROTOCOL_MISMATCH: "PROTOCOL_MISMATCH",
  DEVICE_IDENTITY_REQUIRED: "DEVICE_IDENTITY_REQUIRED",
  DEVICE_AUTH_INVALID: "DEVICE_AUTH_INVALID",
  DEVICE_AUTH_DEVICE_ID_MISMATCH: "DEVICE_AUTH_DEVICE_ID_MISMATCH",
  DEVICE_AUTH_SIGNATURE_EXPIRED: "DEVICE_AUTH_SIGNATURE_EXPIRED",
  DEVICE_AUTH_NONCE_REQUIRED: "DEVICE_AUTH_NONCE_REQUIRED",
  DEVICE_AUTH_NONCE_MISMATCH: "DEVICE_AUTH_NONCE_MISMATCH",
  DEVICE_AUTH_SIGNATURE_INVALID: "DEVICE_AUTH_SIGNATURE_INVALID",
  DEVICE_AUTH_PUBLIC_KEY_INVALID: "DEVICE_AUTH_PUBLIC_KEY_INVALID",
  PAIRING_REQUIRED: "PAIRING_REQUIRED",
  CLIENT_VERSION_MISMATCH: "CLIENT_VERSION_MISMATCH",
} as const;

export const CloseCodes = {
  NORMAL: 1000,
  PROTOCOL_ERROR: 1002,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  /** Client side: no tick / no connect response in time. */
  TICK_TIMEOUT: 4000,
  /** Credentials or pairing revoked under a live socket. */
  INVALIDATED: 4001,
  /** Our gateway: the same device opened a newer connection. */
  SUPERSEDED: 4002,
} as const;

/** Operator scopes (protocol.md §7.9). */
export const OperatorScopes = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.questions",
  "operator.pairing",
  "operator.talk",
  "operator.talk.secrets",
  "operator.sessions.read",
  "operator.sessions.write",
] as const;

/** node.invoke of these needs operator.admin on top of operator.write (protocol.md §7.9). */
export const ADMIN_INVOKE_COMMANDS: ReadonlySet<string> = new Set(["browser.proxy", "browser.proxy.upload.v1", "fs.listDir", "terminal.upload"]);
