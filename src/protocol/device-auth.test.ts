import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildPayloadV2,
  buildPayloadV3,
  deviceIdFromRawPublicKey,
  keyPairFromSeed,
  normalizeMetadata,
  publicKeyObjectFromRaw,
  rawPublicKey,
  signPayload,
  tokenSlot,
  verifiedPayloadVersion,
  type SignatureInputs,
} from "./device-auth.js";
import { validate } from "./validate.js";
import { ConnectParamsSchema } from "./frames.js";

const vectorsPath = fileURLToPath(new URL("../../../../shared/spec/vectors/device-auth.json", import.meta.url));

interface VectorCase {
  id: string;
  version: "v2" | "v3";
  inputs: {
    clientId: string; clientMode: string; role: string; scopes: string[]; signedAtMs: number; nonce: string;
    platform?: string; deviceFamily?: string; auth?: Record<string, string>; token: string | null;
  };
  payload: string;
  signatureBase64Url: string;
  expectedGatewayResult: string;
  connectParams: any;
}
const vectors = JSON.parse(readFileSync(vectorsPath, "utf8")) as {
  keys: { name: string; seedHex: string; publicKeyRawBase64Url: string; publicKeyPem: string; deviceId: string; cases: VectorCase[] }[];
  negatives: { id: string; connectParams: any; signatureBase64Url: string }[];
};

function inputsOf(params: any): SignatureInputs {
  return {
    deviceId: params.device.id,
    clientId: params.client.id,
    clientMode: params.client.mode,
    role: params.role ?? "operator",
    scopes: params.scopes ?? [],
    signedAtMs: params.device.signedAt,
    token: tokenSlot(params.auth),
    nonce: params.device.nonce.trim(),
    platform: params.client.platform,
    deviceFamily: params.client.deviceFamily,
  };
}

for (const key of vectors.keys) {
  test(`vector key ${key.name}: identity derivation`, () => {
    const kp = keyPairFromSeed(Buffer.from(key.seedHex, "hex"));
    assert.equal(kp.publicKey, key.publicKeyRawBase64Url);
    assert.equal(kp.deviceId, key.deviceId);
    assert.equal(kp.publicKeyPem.trim(), key.publicKeyPem.trim());
    const fromPem = rawPublicKey(key.publicKeyPem);
    assert.ok(fromPem);
    assert.equal(deviceIdFromRawPublicKey(fromPem!), key.deviceId);
  });
  for (const c of key.cases) {
    test(`vector ${key.name}/${c.id}: payload, signature, verification`, () => {
      const kp = keyPairFromSeed(Buffer.from(key.seedHex, "hex"));
      const inputs: SignatureInputs = { deviceId: key.deviceId, ...c.inputs, token: c.inputs.token ?? "" };
      const payload = c.version === "v3" ? buildPayloadV3(inputs) : buildPayloadV2(inputs);
      assert.equal(payload, c.payload);
      assert.equal(tokenSlot(c.inputs.auth), c.inputs.token ?? "");
      // Ed25519 is deterministic: our signature must equal the vector byte for byte
      assert.equal(signPayload(kp.privateKeyPem, payload), c.signatureBase64Url);
      const pub = publicKeyObjectFromRaw(rawPublicKey(c.connectParams.device.publicKey)!)!;
      assert.equal(verifiedPayloadVersion(pub, inputsOf(c.connectParams), c.connectParams.device.signature), c.expectedGatewayResult);
      assert.equal(validate(ConnectParamsSchema, c.connectParams).ok, true);
    });
  }
}

for (const n of vectors.negatives) {
  test(`negative vector ${n.id} is rejected`, () => {
    const pub = publicKeyObjectFromRaw(rawPublicKey(n.connectParams.device.publicKey)!)!;
    assert.equal(verifiedPayloadVersion(pub, inputsOf(n.connectParams), n.signatureBase64Url), null);
  });
}

test("metadata normalisation lowercases ASCII only", () => {
  assert.equal(normalizeMetadata(" Windows "), "windows");
  assert.equal(normalizeMetadata("ÄRM64 Box"), "Ärm64 box");
  assert.equal(normalizeMetadata(undefined), "");
  assert.equal(normalizeMetadata(42), "");
});
