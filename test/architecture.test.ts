// The layering is enforced, not just described: protocol ← shared ← policy ← gateway | node-host ← cli.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** May files in folder A import from folder B? */
const allowed: Record<string, string[]> = {
  protocol: ["protocol"],
  shared: ["shared"],
  policy: ["policy", "protocol", "shared"],
  gateway: ["gateway", "policy", "protocol", "shared"],
  "node-host": ["node-host", "policy", "protocol", "shared"],
  cli: ["cli", "gateway", "node-host", "policy", "protocol", "shared"],
};

test("source folders import only the layers below them", () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const layer = relative(SRC, file).split("/")[0]!;
    const ok = allowed[layer];
    assert.ok(ok, `unknown top-level folder src/${layer}`);
    for (const m of readFileSync(file, "utf8").matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1]!)).split("/")[0]!;
      if (!ok.includes(target)) violations.push(`${relative(SRC, file)} imports ${m[1]} (${layer} → ${target})`);
    }
  }
  assert.deepEqual(violations, []);
});
