import { test } from "node:test";
import assert from "node:assert/strict";
import { validate } from "./validate.js";
import { ConnectParamsSchema, RequestFrameSchema } from "./frames.js";
import { NodeInvokeParamsSchema } from "./methods.js";

const client = { id: "node-host", version: "1", platform: "linux", mode: "node" };
const base = { minProtocol: 4, maxProtocol: 4, client };
const device = { id: "a", publicKey: "b", signature: "c", signedAt: 1, nonce: "n" };

// Expected texts are the reference gateway's, from ../shared/spec/traces/raw-*.jsonl
const cases: [string, unknown, string][] = [
  ["extra field in params", { ...base, extra: 1 }, "at root: unexpected property 'extra'"],
  ["extra field in client", { ...base, client: { ...client, extra: 1 } }, "at /client: unexpected property 'extra'"],
  ["extra field in device", { ...base, device: { ...device, extra: 1 } }, "at /device: unexpected property 'extra'"],
  ["missing client", { minProtocol: 4, maxProtocol: 4 }, "must have required property 'client'"],
  ["missing client version", { ...base, client: { id: "cli", platform: "linux", mode: "cli" } }, "at /client: must have required property 'version'"],
  ["unknown client id", { ...base, client: { ...client, id: "evil-client" } }, "at /client/id: must be equal to one of the allowed values"],
  ["uppercase client id", { ...base, client: { ...client, id: "CLI" } }, "at /client/id: must be equal to one of the allowed values"],
  ["bad mode", { ...base, client: { ...client, mode: "hacker" } }, "at /client/mode: must be equal to one of the allowed values"],
  ["protocol 0", { ...base, minProtocol: 0 }, "at /minProtocol: must be >= 1"],
  ["signedAt string", { ...base, device: { ...device, signedAt: "1" } }, "at /device/signedAt: must be integer"],
  ["empty nonce", { ...base, device: { ...device, nonce: "" } }, "at /device/nonce: must not have fewer than 1 characters"],
];

for (const [name, value, message] of cases) {
  test(`connect params: ${name}`, () => {
    const r = validate(ConnectParamsSchema, value);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.message, message);
  });
}

test("request frame errors list first missing, first unexpected, then property errors", () => {
  const r1 = validate(RequestFrameSchema, { type: "res", id: "zzz", ok: true, payload: {} });
  assert.equal(r1.ok, false);
  if (!r1.ok) assert.equal(r1.message, "must have required property 'method'; at root: unexpected property 'ok'; at /type: must be equal to constant");
  const r2 = validate(RequestFrameSchema, { type: "event", event: "tick", payload: {} });
  if (!r2.ok) assert.equal(r2.message, "must have required property 'id'; at root: unexpected property 'event'; at /type: must be equal to constant");
  else assert.fail("event frame must not validate as a request");
});

test("node.invoke without idempotencyKey", () => {
  const r = validate(NodeInvokeParamsSchema, { nodeId: "n", command: "system.which" });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.message, "must have required property 'idempotencyKey'");
});

test("valid connect params pass", () => {
  assert.equal(validate(ConnectParamsSchema, { ...base, device, auth: { token: "t" }, role: "node", scopes: [], caps: ["system"], permissions: { x: true } }).ok, true);
});
