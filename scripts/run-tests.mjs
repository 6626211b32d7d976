#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's built-in test runner (Node >= 20 has no
// glob support in `node --test`, so the files are listed here). Extra args are passed through,
// e.g. `npm test -- --test-name-pattern=pairing`.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const roots = ["dist/src", "dist/test"];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js")) files.push(p);
  }
}
roots.forEach(walk);
const only = process.env.TEST_ONLY;
const selected = only ? files.filter((f) => f.includes(only)) : files;
if (selected.length === 0) {
  console.error("no test files found under dist/ (did the build run?)");
  process.exit(1);
}
const args = ["--test", "--test-concurrency=2", "--test-timeout=120000", ...process.argv.slice(2), ...selected.sort()];
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(r.status ?? 1);
