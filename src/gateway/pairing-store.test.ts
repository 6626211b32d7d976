import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PairingStore } from "./pairing-store.js";

const req = (deviceId: string, role = "node", scopes: string[] = []) => ({
  deviceId,
  publicKey: `pk-${deviceId}`,
  clientId: "node-host",
  clientMode: "node",
  role,
  scopes,
  isRepair: false,
  reason: "not-paired" as const,
  surface: { caps: ["system"], commands: ["system.run"] },
});

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test("a repeat request reuses the id; a wider one replaces it", () => {
  const c = clock();
  const s = new PairingStore(mkdtempSync(join(tmpdir(), "ps-")), c.now);
  const a = s.upsertPending(req("d1"));
  const b = s.upsertPending(req("d1"));
  assert.equal(b.request.requestId, a.request.requestId);
  assert.equal(b.created, false);
  const wider = s.upsertPending(req("d1", "operator", ["operator.read"]));
  assert.notEqual(wider.request.requestId, a.request.requestId);
  assert.equal(wider.replaced, a.request.requestId);
  assert.deepEqual(wider.request.roles, ["node", "operator"]);
  assert.equal(s.pending.size, 1);
});

test("pending requests expire after 5 minutes", () => {
  const c = clock();
  const s = new PairingStore(mkdtempSync(join(tmpdir(), "ps-")), c.now);
  const { request } = s.upsertPending(req("d1"));
  c.advance(299_000);
  assert.deepEqual(s.prune(), []);
  c.advance(2_000);
  assert.deepEqual(s.prune(), [request.requestId]);
  assert.equal(s.approve(request.requestId), undefined);
});

test("approval issues a node token, approves the surface, and persists 0600 across reloads", () => {
  const dir = mkdtempSync(join(tmpdir(), "ps-"));
  const s = new PairingStore(dir);
  const { request } = s.upsertPending(req("d1"));
  const rec = s.approve(request.requestId)!;
  assert.deepEqual(rec.roles, ["node"]);
  assert.equal(rec.tokens.node?.token.length, 43);
  assert.deepEqual(rec.nodeSurface?.commands, ["system.run"]);
  assert.equal(statSync(join(dir, "devices", "paired.json")).mode & 0o777, 0o600);
  const again = new PairingStore(dir);
  assert.equal(again.checkDeviceToken("d1", "node", rec.tokens.node!.token), "ok");
  assert.equal(again.checkDeviceToken("d1", "node", "wrong"), "mismatch");
  assert.equal(again.checkDeviceToken("d1", "operator", rec.tokens.node!.token), "mismatch");
  assert.equal(again.pending.size, 0);
});

test("join codes: single device, 10-minute expiry, only the hash is stored", () => {
  const c = clock();
  const dir = mkdtempSync(join(tmpdir(), "ps-"));
  const s = new PairingStore(dir, c.now);
  const { token } = s.mintBootstrapToken(600_000);
  assert.equal(readFileSync(join(dir, "devices", "bootstrap.json"), "utf8").includes(token), false);
  assert.equal(s.consumeBootstrapToken(token, "d1"), true);
  assert.equal(s.consumeBootstrapToken(token, "d1"), true, "the same device may retry");
  assert.equal(s.consumeBootstrapToken(token, "d2"), false, "another device may not");
  const second = s.mintBootstrapToken(600_000);
  c.advance(600_001);
  assert.equal(s.consumeBootstrapToken(second.token, "d3"), false);
  assert.equal(s.consumeBootstrapToken("not-a-code", "d3"), false);
});

test("a join code is spent once its device was admitted", () => {
  const s = new PairingStore(mkdtempSync(join(tmpdir(), "ps-")));
  const { token } = s.mintBootstrapToken(600_000);
  assert.equal(s.consumeBootstrapToken(token, "d1"), true);
  s.completeBootstrapToken(token);
  assert.equal(s.consumeBootstrapToken(token, "d1"), false);
});

test("last-seen bookkeeping is coalesced into one later write; grants are written at once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ps-"));
  const file = join(dir, "devices", "paired.json");
  const s = new PairingStore(dir, Date.now, 300_000, 40);
  const { request } = s.upsertPending(req("d1"));
  s.approve(request.requestId);
  // the approval is on disk before approve() returns
  assert.ok(JSON.parse(readFileSync(file, "utf8")).d1.tokens.node.token);
  const rec = s.paired.get("d1")!;
  rec.lastSeenAtMs = 42;
  s.touchPaired();
  s.touchPaired();
  assert.equal(s.hasUnsavedBookkeeping, true);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).d1.lastSeenAtMs, undefined, "not written synchronously");
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(s.hasUnsavedBookkeeping, false);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).d1.lastSeenAtMs, 42);
  // a durable save carries pending bookkeeping and cancels the timer
  rec.lastSeenAtMs = 43;
  s.touchPaired();
  s.remove("nobody");
  s.ensureToken(rec, "operator", []);
  s.savePaired();
  assert.equal(s.hasUnsavedBookkeeping, false);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).d1.lastSeenAtMs, 43);
  // close() flushes and schedules nothing afterwards
  rec.lastSeenAtMs = 44;
  s.touchPaired();
  s.close();
  assert.equal(JSON.parse(readFileSync(file, "utf8")).d1.lastSeenAtMs, 44);
  s.touchPaired();
  assert.equal(s.hasUnsavedBookkeeping, false);
});
