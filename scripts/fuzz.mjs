#!/usr/bin/env node
// Long fuzz run: the same test as `npm test` runs (test/integration/fuzz.test.ts), with FUZZ_CASES
// (default 100 000) cases and a forced GC around the heap measurement. FUZZ_SEED=<n> replays a seed.
import { spawnSync } from "node:child_process";
const env = {
  ...process.env,
  FUZZ_CASES: process.env.FUZZ_CASES ?? "100000",
  TEST_ONLY: "integration/fuzz.test",
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc`.trim(),
};
const r = spawnSync(process.execPath, ["scripts/run-tests.mjs"], { stdio: "inherit", env });
process.exit(r.status ?? 1);
