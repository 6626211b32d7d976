// Admission of a schema-valid `connect` (protocol.md §3.5, traces/RAW.md "Rules inferred"):
// protocol → role → shared secret → missing device → device proof → credentials → pairing →
// token issuance. Returns either a rejection (error + close) or the admitted session's facts.
import { CloseCodes, ConnectDetailCodes as D, ErrorCodes, LIMITS, MIN_NODE_PROTOCOL, PROTOCOL_VERSION } from "../protocol/codes.js";
import { normalizeMetadata } from "../protocol/device-auth.js";
import { ProtocolError } from "../protocol/errors.js";
import type { ConnectParams, DeviceProof } from "../protocol/frames.js";
import type { AuthRateLimiter } from "./auth-rate-limit.js";
import { checkDeviceProof } from "./device-proof.js";
import type { PairedDevice, PairingStore, PendingDeviceRequest } from "./pairing-store.js";
import { bootstrapFailure, checkSharedSecret, deviceTokenFailure, rateLimitedFailure, sharedFailure, type AuthFailure, type GatewayAuth } from "./shared-auth.js";
import { canonicalNodePlatform, approvableCommands, type CommandPolicy } from "./node-surface.js";
import { scopeSatisfied } from "./scopes.js";

export interface AdmissionContext {
  params: ConnectParams;
  challengeNonce: string;
  now: number;
  peer: { ip: string; loopback: boolean };
  auth: GatewayAuth;
  store: PairingStore;
  limiter: AuthRateLimiter;
  autoApproveLocal: boolean;
  commandPolicy: CommandPolicy;
  /** Pending pairing requests kept at once; a device without one beyond that is refused (retryable). */
  maxPendingPairing?: number;
}

export const DEFAULT_MAX_PENDING_PAIRING = 100;

export type Rejection = {
  ok: false;
  error: ProtocolError;
  close: { code: number; reason: string };
  /** Delay before answering (failed-auth back-off on loopback). */
  delayMs: number;
  /** A pending request this connect created or refreshed (for operator notifications). */
  pending?: { request: PendingDeviceRequest; replaced?: string; created: boolean };
};

export type Admitted = {
  ok: true;
  protocol: number;
  role: "operator" | "node";
  scopes: string[];
  method: "token" | "password" | "none" | "device-token" | "bootstrap-token";
  device?: PairedDevice;
  deviceToken?: { token: string; issuedAtMs: number };
  platform: string;
  deviceFamily?: string;
  /** Declared commands that pass the gateway allowlist, and those withheld. */
  declaredCommands: string[];
  withheldCommands: string[];
  /** Set when this connect approved the device (join code or local silent approval). */
  approvedNow?: PairedDevice["approvedVia"];
};

export type AdmissionResult = Rejection | Admitted;

function reject(error: ProtocolError, code: number = CloseCodes.POLICY_VIOLATION, reason = error.message, delayMs = 0): Rejection {
  return { ok: false, error, close: { code, reason }, delayMs };
}

function authReject(f: AuthFailure, delayMs = 0): Rejection {
  const extra: { details: unknown; retryable?: boolean; retryAfterMs?: number } = { details: f.details };
  if (f.retryable !== undefined) extra.retryable = f.retryable;
  if (f.retryAfterMs !== undefined) extra.retryAfterMs = f.retryAfterMs;
  return reject(new ProtocolError(ErrorCodes.INVALID_REQUEST, f.message, extra), CloseCodes.POLICY_VIOLATION, f.message, delayMs);
}

const PAIRING_MESSAGES: Record<PendingDeviceRequest["reason"], [string, string]> = {
  "not-paired": ["pairing required: device is not approved yet", "Approve this device from the pending pairing requests."],
  "role-upgrade": ["pairing required: device is asking for a higher role than currently approved", "Review the requested role, then approve the pending upgrade."],
  "scope-upgrade": ["pairing required: device is asking for more scopes than currently approved", "Review the requested scopes, then approve the pending upgrade."],
  "metadata-upgrade": ["pairing required: device identity changed and must be re-approved", "Review the refreshed device details, then approve the pending request."],
};

export function negotiateProtocol(params: ConnectParams): number | null {
  const { minProtocol: min, maxProtocol: max } = params;
  const role = params.role ?? "operator";
  if (min <= PROTOCOL_VERSION && max >= PROTOCOL_VERSION) return PROTOCOL_VERSION;
  if (role === "node" && params.client.mode === "node" && min <= MIN_NODE_PROTOCOL && max >= MIN_NODE_PROTOCOL) return MIN_NODE_PROTOCOL;
  if (params.client.mode === "probe" && min <= PROTOCOL_VERSION && max >= MIN_NODE_PROTOCOL) return Math.min(max, PROTOCOL_VERSION);
  return null;
}

/**
 * Pinned metadata (protocol.md §5.4; reference `resolvePinnedClientMetadata`): a non-blank platform / deviceFamily on
 * the paired record must be claimed again, equal after normalisation; a missing claimed value is a change too.
 * (node-host platform aliases are canonicalised before this, see canonicalNodePlatform.)
 */
function metadataMatches(rec: PairedDevice, platform: string, deviceFamily: string | undefined): boolean {
  const pinned = (v: string | undefined, claimed: string | undefined) => normalizeMetadata(v) === "" || normalizeMetadata(v) === normalizeMetadata(claimed);
  return pinned(rec.platform, platform) && pinned(rec.deviceFamily, deviceFamily);
}

export function admitConnect(ctx: AdmissionContext): AdmissionResult {
  const { params, store, peer } = ctx;
  const protocol = negotiateProtocol(params);
  if (protocol === null) {
    const error = new ProtocolError(ErrorCodes.INVALID_REQUEST, "protocol mismatch", {
      details: {
        code: D.PROTOCOL_MISMATCH,
        clientMinProtocol: params.minProtocol,
        clientMaxProtocol: params.maxProtocol,
        expectedProtocol: PROTOCOL_VERSION,
        minimumProbeProtocol: MIN_NODE_PROTOCOL,
      },
    });
    return reject(error, CloseCodes.PROTOCOL_ERROR, "protocol mismatch");
  }
  const role = params.role ?? "operator";
  if (role !== "operator" && role !== "node") return reject(new ProtocolError(ErrorCodes.INVALID_REQUEST, "invalid role"));

  const requestedScopes = params.scopes ?? [];
  const isNodeHost = params.client.id === "node-host" && params.client.mode === "node";
  const meta = isNodeHost
    ? canonicalNodePlatform(params.client.platform, params.client.deviceFamily)
    : { platform: params.client.platform, deviceFamily: params.client.deviceFamily };

  // Locked-out addresses are refused before anything else is looked at.
  const lockedMs = ctx.limiter.lockedFor(peer.ip, peer.loopback);
  if (lockedMs > 0) return authReject(rateLimitedFailure(lockedMs));

  const shared = checkSharedSecret(ctx.auth, params.auth);
  const failShared = (canRetry: boolean): Rejection => {
    const delay = shared === "mismatch" ? ctx.limiter.recordFailure(peer.ip, peer.loopback) : 0;
    return authReject(sharedFailure(ctx.auth, shared === "ok" ? "missing" : shared, { clientId: params.client.id, loopback: peer.loopback, canRetryWithDeviceToken: canRetry }), delay);
  };

  const device = params.device;
  if (!device) {
    if (role === "operator" && shared === "ok") {
      ctx.limiter.recordSuccess(peer.ip);
      const keep =
        peer.loopback &&
        ((params.client.id === "cli" && params.client.mode === "cli") || (params.client.id === "gateway-client" && params.client.mode === "backend"));
      return {
        ok: true,
        protocol,
        role,
        scopes: keep ? [...requestedScopes] : [],
        method: ctx.auth.mode,
        platform: meta.platform,
        ...(meta.deviceFamily ? { deviceFamily: meta.deviceFamily } : {}),
        declaredCommands: [],
        withheldCommands: [],
      };
    }
    if (role === "operator" && shared === "mismatch") return failShared(false);
    return reject(new ProtocolError(ErrorCodes.NOT_PAIRED, "device identity required", { details: { code: D.DEVICE_IDENTITY_REQUIRED } }), CloseCodes.POLICY_VIOLATION, "device identity required");
  }

  const proof = checkDeviceProof(params as ConnectParams & { device: DeviceProof }, ctx.challengeNonce, ctx.now, LIMITS.signatureSkewMs);
  if (!proof.ok) {
    return reject(new ProtocolError(ErrorCodes.INVALID_REQUEST, proof.message, { details: { code: proof.code, reason: proof.reason } }));
  }

  // Credentials: shared secret, then join code, then device token (explicit, or in auth.token).
  let method: Admitted["method"];
  const auth = params.auth;
  if (shared === "ok") {
    method = ctx.auth.mode;
  } else if (auth?.bootstrapToken) {
    if (!store.consumeBootstrapToken(auth.bootstrapToken, device.id)) return authReject(bootstrapFailure);
    method = "bootstrap-token";
  } else if (auth?.deviceToken) {
    if (store.checkDeviceToken(device.id, role, auth.deviceToken) !== "ok") return authReject(deviceTokenFailure);
    method = "device-token";
  } else if (auth?.token && shared === "mismatch" && store.checkDeviceToken(device.id, role, auth.token) === "ok") {
    method = "device-token";
  } else {
    return failShared(shared === "mismatch" && !auth?.deviceToken);
  }
  ctx.limiter.recordSuccess(peer.ip);

  // A local backend (gateway-client/backend on a direct loopback connection) that authenticated with the shared
  // secret (or auth mode none, or a device token) is not subject to device pairing at all, even with
  // autoApproveLocal off: hello-ok with the requested scopes and no device token (reference:
  // shouldSkipLocalBackendSelfPairing; traces/RAW.md "Baselines"). Limited to operators here: a node session needs
  // a paired record.
  const localBackend = peer.loopback && params.client.id === "gateway-client" && params.client.mode === "backend";
  if (localBackend && role === "operator" && (method === "token" || method === "password" || method === "none" || method === "device-token")) {
    return {
      ok: true,
      protocol,
      role,
      scopes: [...requestedScopes],
      method,
      platform: meta.platform,
      ...(meta.deviceFamily ? { deviceFamily: meta.deviceFamily } : {}),
      declaredCommands: [],
      withheldCommands: [],
    };
  }

  // Pairing.
  const { commands: declaredCommands, withheld } =
    role === "node" ? approvableCommands(params.commands ?? [], ctx.commandPolicy) : { commands: [], withheld: [] };
  const surface =
    role === "node"
      ? {
          caps: [...new Set(params.caps ?? [])].sort(),
          commands: declaredCommands,
          ...(params.permissions ? { permissions: params.permissions } : {}),
          version: params.client.version,
        }
      : undefined;
  const requestShape = {
    deviceId: device.id,
    publicKey: proof.publicKey,
    ...(params.client.displayName ? { displayName: params.client.displayName } : {}),
    platform: meta.platform,
    ...(meta.deviceFamily ? { deviceFamily: meta.deviceFamily } : {}),
    clientId: params.client.id,
    clientMode: params.client.mode,
    role,
    roles: [role],
    scopes: role === "node" ? [...requestedScopes] : [...requestedScopes],
    ...(peer.loopback ? {} : { remoteIp: peer.ip }),
    ...(surface ? { surface } : {}),
  };

  let rec = store.paired.get(device.id);
  let approvedNow: Admitted["approvedNow"];
  let reason: PendingDeviceRequest["reason"] | undefined;
  // Order as the reference (connect-device-pairing.ts): pinned metadata, then role, then scopes.
  if (!rec || rec.publicKey !== proof.publicKey) reason = "not-paired";
  else if (!metadataMatches(rec, meta.platform, meta.deviceFamily)) reason = "metadata-upgrade";
  else if (!rec.roles.includes(role)) reason = "role-upgrade";
  else if (role === "operator" && !requestedScopes.every((s) => scopeSatisfied(rec!.scopes, s))) reason = "scope-upgrade";
  else if (role === "node" && requestedScopes.length > 0) reason = "scope-upgrade";

  if (reason && method === "bootstrap-token") {
    rec = store.approveDevice(requestShape, "bootstrap");
    approvedNow = "bootstrap";
    reason = undefined;
  } else if (reason && ctx.autoApproveLocal && peer.loopback && (reason === "not-paired" || (reason === "role-upgrade" && role !== "node"))) {
    rec = store.approveDevice(requestShape, "silent");
    approvedNow = "silent";
    reason = undefined;
  }
  if (reason && !store.pendingForDevice(device.id)) {
    const max = ctx.maxPendingPairing ?? DEFAULT_MAX_PENDING_PAIRING;
    store.prune();
    if (store.pending.size >= max) {
      const message = `pairing queue full: ${max} pairing requests are already pending; approve or reject some (openclaw nodes pending / openclaw devices list), then retry`;
      return reject(
        new ProtocolError(ErrorCodes.UNAVAILABLE, message, { retryable: true, retryAfterMs: 30_000, details: { code: "PAIRING_QUEUE_FULL", maxPending: max } }),
        CloseCodes.TRY_AGAIN_LATER,
        "pairing queue full",
      );
    }
  }
  if (reason) {
    const pending = store.upsertPending({ ...requestShape, isRepair: rec !== undefined, reason });
    const [message, hint] = PAIRING_MESSAGES[reason];
    const details: Record<string, unknown> = {
      code: D.PAIRING_REQUIRED,
      reason,
      requestId: pending.request.requestId,
      remediationHint: hint,
      deviceId: device.id,
      requestedRole: role,
    };
    if (requestedScopes.length) details.requestedScopes = requestedScopes;
    if (rec && rec.publicKey === proof.publicKey) {
      details.approvedRoles = rec.roles;
      if (rec.scopes.length) details.approvedScopes = rec.scopes;
    }
    const rej = reject(new ProtocolError(ErrorCodes.NOT_PAIRED, message, { details }), CloseCodes.POLICY_VIOLATION, `${message} (requestId: ${pending.request.requestId})`);
    rej.pending = pending;
    return rej;
  }
  const paired = rec!;
  const before = paired.tokens[role];
  const tok = store.ensureToken(paired, role, role === "node" ? [] : requestedScopes);
  paired.lastSeenAtMs = ctx.now;
  paired.lastSeenReason = "connect";
  // A token minted here is durable before hello-ok carries it; a plain reconnect only updates last-seen
  // bookkeeping, which is coalesced (approvals above were already saved by approveDevice).
  if (tok !== before) store.savePaired();
  else store.touchPaired();
  return {
    ok: true,
    protocol,
    role,
    scopes: role === "node" ? [] : [...requestedScopes],
    method,
    device: paired,
    deviceToken: { token: tok.token, issuedAtMs: tok.rotatedAtMs ?? tok.createdAtMs },
    platform: meta.platform,
    ...(meta.deviceFamily ? { deviceFamily: meta.deviceFamily } : {}),
    declaredCommands,
    withheldCommands: withheld,
    ...(approvedNow ? { approvedNow } : {}),
  };
}
