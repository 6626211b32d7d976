// paired.json write policy through a real gateway: a join-code approval and its device token are on disk
// before the node gets hello-ok; a plain reconnect's last-seen bookkeeping is coalesced and written later
// (or on gateway stop), never lost on a clean stop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Fixture, eventually, withTimeout } from "../helpers.js";

const readPaired = (dir: string) => JSON.parse(readFileSync(join(dir, "devices", "paired.json"), "utf8")) as Record<string, { tokens: { node?: { token: string } }; lastSeenAtMs?: number; lastSeenReason?: string }>;

test("approval + token are durable at hello-ok; reconnect bookkeeping is coalesced and flushed on stop", async () => {
  const f = new Fixture();
  try {
    const gwDir = f.dir();
    const gw = await f.gateway({ stateDir: gwDir });
    const node = await f.pairedNode(gw);
    // durable before acknowledged: the token the node holds is the one on disk
    const onDisk = readPaired(gwDir)[node.deviceId];
    assert.ok(onDisk, "paired record written");
    assert.equal(onDisk.tokens.node?.token, node.config.token);

    // a reconnect of an already paired node: bookkeeping only, not written synchronously
    await node.stop();
    await eventually(() => gw.nodes.size === 0, 3000, "node gone");
    const seenBefore = readPaired(gwDir)[node.deviceId]!.lastSeenAtMs;
    const again = f.node(gw, { stateDir: (node as unknown as { opts: { stateDir: string } }).opts.stateDir });
    again.start();
    await withTimeout(again.waitConnected(), 5000, "reconnect");
    const mem = gw.store.paired.get(node.deviceId)!;
    assert.equal(mem.lastSeenReason, "connect");
    assert.ok(gw.store.hasUnsavedBookkeeping, "last-seen waits for the coalesced write");
    assert.equal(readPaired(gwDir)[node.deviceId]!.lastSeenAtMs, seenBefore);
    await again.stop();
    await gw.stop();
    // flushed on stop
    const after = readPaired(gwDir)[node.deviceId]!;
    assert.ok((after.lastSeenAtMs ?? 0) >= mem.lastSeenAtMs! && after.lastSeenAtMs !== seenBefore);
  } finally {
    await f.close();
  }
});
