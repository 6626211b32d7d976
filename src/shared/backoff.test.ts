import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, backoffDelay, restartSpreadDelay } from "./backoff.js";

test("delays double up to the cap, with half of each delay random", () => {
  const opts = { initialMs: 1000, maxMs: 30_000 };
  const low = [0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, () => 0));
  const high = [0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, () => 1));
  assert.deepEqual(low, [500, 1000, 2000, 4000, 8000, 15000, 15000]);
  assert.deepEqual(high, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});

test("a fleet spreads out: 100 nodes on the same attempt do not retry at the same instant", () => {
  const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(3, { initialMs: 1000, maxMs: 30_000 })));
  assert.ok(delays.size > 50, `only ${delays.size} distinct delays`);
});

test("reset starts over", () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
  assert.deepEqual([b.next(), b.next(), b.next()], [100, 200, 400]);
  b.reset();
  assert.equal(b.next(), 100);
});

test("after a gateway restart the first attempts of a fleet spread over 5 s (capped by maxMs)", () => {
  const opts = { initialMs: 1000, maxMs: 30_000 };
  assert.equal(restartSpreadDelay(opts, () => 0), 500);
  assert.equal(restartSpreadDelay(opts, () => 1), 5500);
  assert.equal(restartSpreadDelay({ initialMs: 50, maxMs: 200 }, () => 1), 225, "tests with a small back-off stay fast");
  // 5 000 nodes: no one-second bucket holds more than ~a quarter of the fleet
  const perSecond = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const s = Math.floor(restartSpreadDelay(opts) / 1000);
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
  }
  assert.ok(Math.max(...perSecond.values()) < 1300, `peak ${Math.max(...perSecond.values())}/s`);
});
