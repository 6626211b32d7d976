// Verification of the signed `device` block of a connect (protocol.md §5.2), in the reference's order.
import { ConnectDetailCodes as D } from "../protocol/codes.js";
import {
  base64UrlEncode,
  deviceIdFromRawPublicKey,
  publicKeyObjectFromRaw,
  rawPublicKey,
  tokenSlot,
  verifiedPayloadVersion,
} from "../protocol/device-auth.js";
import type { ConnectParams, DeviceProof } from "../protocol/frames.js";

export type ProofResult =
  | { ok: true; version: "v3" | "v2"; publicKey: string }
  | { ok: false; message: string; code: string; reason: string };

const fail = (message: string, code: string, reason: string): ProofResult => ({ ok: false, message, code, reason });

export function checkDeviceProof(
  params: ConnectParams & { device: DeviceProof },
  challengeNonce: string,
  now: number,
  skewMs: number,
): ProofResult {
  const device = params.device;
  const raw = rawPublicKey(device.publicKey);
  if (!raw || deviceIdFromRawPublicKey(raw) !== device.id) {
    return fail("device identity mismatch", D.DEVICE_AUTH_DEVICE_ID_MISMATCH, "device-id-mismatch");
  }
  if (Math.abs(now - device.signedAt) > skewMs) {
    return fail("device signature expired", D.DEVICE_AUTH_SIGNATURE_EXPIRED, "device-signature-stale");
  }
  const nonce = device.nonce.trim();
  if (!nonce) return fail("device nonce required", D.DEVICE_AUTH_NONCE_REQUIRED, "device-nonce-missing");
  if (nonce !== challengeNonce) return fail("device nonce mismatch", D.DEVICE_AUTH_NONCE_MISMATCH, "device-nonce-mismatch");
  const key = publicKeyObjectFromRaw(raw);
  const version = key
    ? verifiedPayloadVersion(
        key,
        {
          deviceId: device.id,
          clientId: params.client.id,
          clientMode: params.client.mode,
          role: params.role ?? "operator",
          scopes: params.scopes ?? [],
          signedAtMs: device.signedAt,
          token: tokenSlot(params.auth),
          nonce,
          platform: params.client.platform,
          deviceFamily: params.client.deviceFamily,
        },
        device.signature,
      )
    : null;
  if (!version) return fail("device signature invalid", D.DEVICE_AUTH_SIGNATURE_INVALID, "device-signature");
  return { ok: true, version, publicKey: base64UrlEncode(raw) };
}
