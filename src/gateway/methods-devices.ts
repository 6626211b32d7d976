// Operator methods about devices: device.pair.*, device.token.*, and join codes (setup codes).
import type { Static } from "@sinclair/typebox";
import { CloseCodes, LIMITS } from "../protocol/codes.js";
import { invalidRequest } from "../protocol/errors.js";
import { DeviceIdParamsSchema, DeviceRenameParamsSchema, DeviceTokenParamsSchema, EmptyParamsSchema, RequestIdParamsSchema, SetupCodeParamsSchema } from "../protocol/methods.js";
import type { MethodDef } from "./context.js";
import { newToken } from "./pairing-store.js";
import { pairedDeviceView, pendingDeviceView } from "./views.js";
import { scopeSatisfied } from "./scopes.js";

export interface SetupCodePayload {
  url: string;
  bootstrapToken: string;
  expiresAtMs: number;
  /** The gateway certificate's SHA-256 pin, for a wss:// url (protocol.md §6.4). */
  tlsFingerprint?: string;
}

export function encodeSetupCode(p: SetupCodePayload): string {
  return Buffer.from(JSON.stringify(p), "utf8").toString("base64url");
}

/**
 * Our certificate pin only describes a wss:// url that reaches this gateway directly: same port as
 * ours (an operator-supplied url on another port is most likely a TLS-terminating proxy).
 */
function pinApplies(url: string, own: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "wss:" && (u.port || "443") === (new URL(own).port || "443");
  } catch {
    return false;
  }
}

export const deviceMethods: Record<string, MethodDef> = {
  "device.pair.list": {
    schema: EmptyParamsSchema,
    handler: (ctx) => {
      ctx.store.prune();
      return {
        pending: [...ctx.store.pending.values()].map(pendingDeviceView),
        paired: [...ctx.store.paired.values()].map((r) => pairedDeviceView(r, Boolean(ctx.nodes.get(r.deviceId)))),
      };
    },
  },
  "device.pair.approve": {
    schema: RequestIdParamsSchema,
    handler: (ctx, conn, params) => {
      const { requestId } = params as Static<typeof RequestIdParamsSchema>;
      ctx.store.prune();
      const req = ctx.store.pending.get(requestId);
      if (!req) throw invalidRequest("unknown requestId");
      const held = conn.session?.scopes ?? [];
      const needsAdmin = req.roles.some((r) => r !== "operator");
      if ((needsAdmin && !held.includes("operator.admin")) || !req.scopes.every((s) => scopeSatisfied(held, s))) {
        throw invalidRequest("device pairing approval denied");
      }
      const rec = ctx.store.approve(requestId, "owner")!;
      const ts = Date.now();
      ctx.broadcast("device.pair.resolved", { requestId, deviceId: rec.deviceId, decision: "approved", ts });
      if (rec.roles.includes("node")) ctx.broadcast("node.pair.resolved", { requestId, nodeId: rec.deviceId, decision: "approved", ts });
      ctx.log.info(`device ${rec.deviceId.slice(0, 12)} (${rec.displayName ?? rec.clientId}) approved for ${rec.roles.join(", ")}`);
      return { requestId, device: pairedDeviceView(rec, Boolean(ctx.nodes.get(rec.deviceId))) };
    },
  },
  "device.pair.reject": {
    schema: RequestIdParamsSchema,
    handler: (ctx, _conn, params) => {
      const { requestId } = params as Static<typeof RequestIdParamsSchema>;
      const req = ctx.store.reject(requestId);
      if (!req) throw invalidRequest("unknown requestId");
      ctx.broadcast("device.pair.resolved", { requestId, deviceId: req.deviceId, decision: "rejected", ts: Date.now() });
      return { requestId, deviceId: req.deviceId };
    },
  },
  "device.pair.remove": {
    schema: DeviceIdParamsSchema,
    handler: (ctx, _conn, params) => {
      const { deviceId } = params as Static<typeof DeviceIdParamsSchema>;
      if (!ctx.store.remove(deviceId)) throw invalidRequest("unknown deviceId");
      ctx.disconnectDevice(deviceId, CloseCodes.INVALIDATED, "device removed");
      ctx.broadcast("device.pair.changed", {});
      return { deviceId };
    },
  },
  "device.pair.rename": {
    schema: DeviceRenameParamsSchema,
    handler: (ctx, _conn, params) => {
      const { deviceId, label } = params as Static<typeof DeviceRenameParamsSchema>;
      const rec = ctx.store.paired.get(deviceId);
      if (!rec) throw invalidRequest("unknown deviceId");
      rec.label = label;
      ctx.store.savePaired();
      return { deviceId, label };
    },
  },
  "device.token.rotate": {
    schema: DeviceTokenParamsSchema,
    handler: (ctx, conn, params) => {
      const { deviceId, role, scopes } = params as Static<typeof DeviceTokenParamsSchema>;
      const rec = ctx.store.paired.get(deviceId);
      if (!rec || !rec.roles.includes(role)) throw invalidRequest("unknown deviceId");
      if (role !== "operator" && !conn.session?.scopes.includes("operator.admin")) throw invalidRequest("device token rotation denied");
      const t = Date.now();
      const prev = rec.tokens[role];
      rec.tokens[role] = { token: newToken(), role, scopes: scopes ?? prev?.scopes ?? [], createdAtMs: prev?.createdAtMs ?? t, rotatedAtMs: t };
      ctx.store.savePaired();
      ctx.disconnectDevice(deviceId, CloseCodes.INVALIDATED, "client invalidated: device-token-rotated");
      const same = conn.session?.deviceId === deviceId;
      return {
        deviceId,
        role,
        ...(same ? { token: rec.tokens[role]!.token } : {}),
        scopes: rec.tokens[role]!.scopes,
        rotatedAtMs: t,
        tokenDelivery: same ? "in-band" : "withheld-cross-device",
      };
    },
  },
  "device.token.revoke": {
    schema: DeviceTokenParamsSchema,
    handler: (ctx, conn, params) => {
      const { deviceId, role } = params as Static<typeof DeviceTokenParamsSchema>;
      const rec = ctx.store.paired.get(deviceId);
      const tok = rec?.tokens[role];
      if (!rec || !tok) throw invalidRequest("unknown deviceId");
      if (role !== "operator" && !conn.session?.scopes.includes("operator.admin")) throw invalidRequest("device token revocation denied");
      tok.revokedAtMs = Date.now();
      ctx.store.savePaired();
      ctx.disconnectDevice(deviceId, CloseCodes.INVALIDATED, "client invalidated: device-token-revoked");
      return { deviceId, role, revokedAtMs: tok.revokedAtMs };
    },
  },
  "device.pair.setupCode": {
    schema: SetupCodeParamsSchema,
    handler: (ctx, _conn, params) => {
      const p = params as Static<typeof SetupCodeParamsSchema>;
      const url = p.publicUrl?.trim() || ctx.publicUrl();
      const { token, expiresAtMs } = ctx.store.mintBootstrapToken(LIMITS.bootstrapTokenTtlMs);
      ctx.log.info(`join code minted (expires ${new Date(expiresAtMs).toISOString()}, single use)`);
      return {
        setupCode: encodeSetupCode({ url, bootstrapToken: token, expiresAtMs, ...(ctx.tlsFingerprint && pinApplies(url, ctx.publicUrl()) ? { tlsFingerprint: ctx.tlsFingerprint } : {}) }),
        gatewayUrl: url,
        auth: "token",
        urlSource: p.publicUrl ? "param" : "local",
        access: "node",
        expiresAtMs,
      };
    },
  },
};
