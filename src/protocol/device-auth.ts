// Device identity and the signed connect proof (protocol.md §5). Pure crypto, no I/O.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function base64UrlEncode(buf: Uint8Array): string {
  return Buffer.from(buf).toString("base64url");
}

/** Permissive decoding, as the reference: base64 or base64url, padded or not. */
export function base64UrlDecode(text: string): Buffer | null {
  const normalized = text.trim().replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) return null;
  const padded = normalized + "=".repeat((4 - (normalized.length % 4)) % 4);
  return Buffer.from(padded, "base64");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** device.id = lowercase hex SHA-256 of the raw 32-byte public key. */
export function deviceIdFromRawPublicKey(raw: Uint8Array): string {
  return sha256Hex(raw);
}

/** Raw 32 bytes from a PEM (SPKI) or a base64/base64url string; null when it is neither. */
export function rawPublicKey(publicKey: string): Buffer | null {
  const text = publicKey.trim();
  if (text.startsWith("-----BEGIN")) {
    try {
      const der = createPublicKey(text).export({ type: "spki", format: "der" });
      if (der.length !== 44 || !der.subarray(0, 12).equals(SPKI_ED25519_PREFIX)) return null;
      return der.subarray(12);
    } catch {
      return null;
    }
  }
  return base64UrlDecode(text);
}

export function publicKeyObjectFromRaw(raw: Uint8Array): KeyObject | null {
  if (raw.length !== 32) return null;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
  } catch {
    return null;
  }
}

export interface DeviceKeyPair {
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  /** base64url of the raw public key, as sent in `device.publicKey`. */
  publicKey: string;
}

export function keyPairFromPrivatePem(privateKeyPem: string): DeviceKeyPair {
  const priv = createPrivateKey(privateKeyPem);
  if (priv.asymmetricKeyType !== "ed25519") throw new Error(`not an Ed25519 key (${priv.asymmetricKeyType ?? "unknown"})`);
  const pub = createPublicKey(priv);
  const der = pub.export({ type: "spki", format: "der" });
  const raw = der.subarray(12);
  return {
    deviceId: deviceIdFromRawPublicKey(raw),
    publicKeyPem: pub.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: priv.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: base64UrlEncode(raw),
  };
}

export function keyPairFromSeed(seed: Uint8Array): DeviceKeyPair {
  if (seed.length !== 32) throw new Error("an Ed25519 seed is 32 bytes");
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  return keyPairFromPrivatePem(priv.export({ type: "pkcs8", format: "pem" }).toString());
}

export function generateDeviceKeyPair(): DeviceKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  return keyPairFromPrivatePem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
}

/** trim, then lowercase ASCII A–Z only; absent or blank → "" (protocol.md §5.3). */
export function normalizeMetadata(value: unknown): string {
  if (typeof value !== "string") return "";
  return value.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export interface SignatureInputs {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAtMs: number;
  token: string;
  nonce: string;
  platform?: unknown;
  deviceFamily?: unknown;
}

export function buildPayloadV2(i: SignatureInputs): string {
  return ["v2", i.deviceId, i.clientId, i.clientMode, i.role, i.scopes.join(","), String(i.signedAtMs), i.token, i.nonce].join("|");
}

export function buildPayloadV3(i: SignatureInputs): string {
  return [
    "v3",
    i.deviceId,
    i.clientId,
    i.clientMode,
    i.role,
    i.scopes.join(","),
    String(i.signedAtMs),
    i.token,
    i.nonce,
    normalizeMetadata(i.platform),
    normalizeMetadata(i.deviceFamily),
  ].join("|");
}

/** The signature's token slot: `auth.token ?? auth.deviceToken ?? auth.bootstrapToken ?? ""`. */
export function tokenSlot(auth: { token?: string; deviceToken?: string; bootstrapToken?: string } | undefined): string {
  return auth?.token ?? auth?.deviceToken ?? auth?.bootstrapToken ?? "";
}

export function signPayload(privateKeyPem: string, payload: string): string {
  return base64UrlEncode(sign(null, Buffer.from(payload, "utf8"), createPrivateKey(privateKeyPem)));
}

export function verifyPayload(publicKey: KeyObject, payload: string, signature: string): boolean {
  const sig = base64UrlDecode(signature);
  if (!sig || sig.length !== 64) return false;
  try {
    return verify(null, Buffer.from(payload, "utf8"), publicKey, sig);
  } catch {
    return false;
  }
}

/** Which payload version verifies (v3 first, then v2), or null. */
export function verifiedPayloadVersion(publicKey: KeyObject, inputs: SignatureInputs, signature: string): "v3" | "v2" | null {
  if (verifyPayload(publicKey, buildPayloadV3(inputs), signature)) return "v3";
  if (verifyPayload(publicKey, buildPayloadV2(inputs), signature)) return "v2";
  return null;
}
