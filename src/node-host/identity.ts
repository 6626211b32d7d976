// The node's Ed25519 device identity: `<stateDir>/identity/device.json` (2026.2.x format, 0600).
// A file that exists but cannot be used is an error — never silently replaced, because a new key
// means a new device id and an orphaned pairing (node-host.md §12 item 26).
import { join } from "node:path";
import { generateDeviceKeyPair, keyPairFromPrivatePem, type DeviceKeyPair } from "../protocol/device-auth.js";
import { readJsonFile, writeJsonAtomic } from "../shared/fs-atomic.js";

export class IdentityError extends Error {
  override name = "IdentityError";
}

interface IdentityFile {
  version: 1;
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  createdAtMs: number;
}

export function identityPath(stateDir: string): string {
  return join(stateDir, "identity", "device.json");
}

/** Loads the identity; returns undefined when none exists. Throws IdentityError when unusable. */
export function loadIdentity(stateDir: string): DeviceKeyPair | undefined {
  const path = identityPath(stateDir);
  const read = readJsonFile<IdentityFile>(path);
  if (read.kind === "missing") return undefined;
  const fix = `move it away to create a new identity (the node will need to be paired again)`;
  if (read.kind === "error") throw new IdentityError(`device identity ${read.message}; ${fix}`);
  const f = read.value;
  if (!f || f.version !== 1 || typeof f.privateKeyPem !== "string") {
    throw new IdentityError(`device identity ${path} has an unknown format (expected version 1 with privateKeyPem); ${fix}`);
  }
  try {
    return keyPairFromPrivatePem(f.privateKeyPem);
  } catch (err) {
    throw new IdentityError(`device identity ${path} holds no usable Ed25519 key (${(err as Error).message}); ${fix}`);
  }
}

export function loadOrCreateIdentity(stateDir: string, now: () => number = Date.now): { identity: DeviceKeyPair; created: boolean } {
  const existing = loadIdentity(stateDir);
  if (existing) return { identity: existing, created: false };
  const identity = generateDeviceKeyPair();
  const file: IdentityFile = {
    version: 1,
    deviceId: identity.deviceId,
    publicKeyPem: identity.publicKeyPem,
    privateKeyPem: identity.privateKeyPem,
    createdAtMs: now(),
  };
  writeJsonAtomic(identityPath(stateDir), file);
  return { identity, created: true };
}
