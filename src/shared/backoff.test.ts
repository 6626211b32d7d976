import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, backoffDelay } from "./backoff.js";

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
