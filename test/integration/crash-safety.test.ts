// Crash safety of state writes: a child process rewrites state files (pairing, tokens, approvals,
// node.json shapes) through writeFileAtomic in a tight loop and is SIGKILLed at random moments. After
// every kill each file is either the old or the new complete content — never torn — and leftover temp
// files stay bounded (one per killed writer at most, and none of them is ever read as state).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Fixture, eventually } from "../helpers.js";
import { sweepStaleTemps } from "../../src/shared/fs-atomic.js";

const ATOMIC = fileURLToPath(new URL("../../src/shared/fs-atomic.js", import.meta.url));
const KILLS = Number(process.env.CRASH_KILLS ?? 12);

// The writer: generation n of each file is a JSON document whose every field carries n, padded so a
// write spans several pages.
const WRITER = `
import { writeJsonAtomic } from ${JSON.stringify(ATOMIC)};
const dir = process.argv[1];
let n = Number(process.argv[2]);
const pad = "p".repeat(64 * 1024);
for (;;) {
  n++;
  writeJsonAtomic(dir + "/paired.json", { gen: n, devices: { d: { token: "t" + n, pad } }, end: n });
  writeJsonAtomic(dir + "/exec-approvals.json", { version: 1, gen: n, agents: { a: { allowlist: [{ pattern: "/bin/" + n }] } }, pad, end: n });
  writeJsonAtomic(dir + "/node.json", { version: 1, gen: n, token: "tok-" + n, pad, end: n });
  process.stdout.write(n + "\\n");
}
`;

test(`crash safety: ${KILLS} SIGKILLs of a writer mid-write leave complete old-or-new files and bounded temp litter`, async () => {
  const f = new Fixture();
  try {
    const dir = f.dir();
    let gen = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawn(process.execPath, ["--input-type=module", "-e", WRITER, dir, String(gen)], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await eventually(() => out.split("\n").length > 2 + (k % 5), 10_000, "writer running");
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
      const lines = out.trim().split("\n").map(Number);
      const lastDone = lines[lines.length - 1]!;
      for (const name of ["paired.json", "exec-approvals.json", "node.json"]) {
        const doc = JSON.parse(readFileSync(join(dir, name), "utf8")) as { gen: number; end: number };
        assert.equal(doc.gen, doc.end, `${name} is complete`);
        // old or new: at least the last reported generation, at most the one being written
        assert.ok(doc.gen >= lastDone && doc.gen <= lastDone + 1, `${name} gen ${doc.gen} vs last reported ${lastDone}`);
        assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, `${name} mode`);
      }
      gen = lastDone + 1;
    }
    // each new writer process sweeps the temp files of dead writers before its first write
    const litter = readdirSync(dir).filter((n) => n.endsWith(".tmp"));
    assert.ok(litter.length <= 3, `temp litter stays bounded: ${litter.join(", ")}`);
    assert.equal(sweepStaleTemps(dir), litter.length);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".tmp")), []);
  } finally {
    await f.close();
  }
});
