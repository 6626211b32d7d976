import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../shared/test-helpers.js";
import { appendAudit, readAudit, summarizeApprovalsDiff } from "./audit.js";

function withDir(fn: (dir: string) => void): void {
  const { dir, cleanup } = tempDir("audit");
  try {
    fn(dir);
  } finally {
    cleanup();
  }
}

test("appendAudit: one line per entry, ts (ISO) first, file 0600", () => {
  withDir((dir) => {
    assert.equal(appendAudit(dir, { kind: "change", by: "alice", ts: 5 }), true);
    appendAudit(dir, { kind: "decision", decision: "asked" });
    const lines = readFileSync(join(dir, "audit.jsonl"), "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\{"ts":"\d{4}-\d\d-\d\dT[^"]+Z","kind":"change","by":"alice"\}$/);
    assert.equal(statSync(join(dir, "audit.jsonl")).mode & 0o777, 0o600);
  });
});

test("appendAudit: secrets are never written", () => {
  withDir((dir) => {
    appendAudit(dir, { kind: "change", file: { version: 1, socket: { path: "/s.sock", token: "SECRET-TOKEN" } }, password: "pw" });
    const text = readFileSync(join(dir, "audit.jsonl"), "utf8");
    assert.doesNotMatch(text, /SECRET-TOKEN|"pw"/);
    assert.match(text, /"\/s\.sock"/);
  });
});

test("appendAudit: a write failure is reported, never thrown", () => {
  const messages: string[] = [];
  assert.equal(appendAudit("/nonexistent/dir/for/audit", { kind: "change" }, (m) => messages.push(m)), false);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /audit log write failed/);
  assert.equal(appendAudit("/nonexistent/dir/for/audit", { kind: "change" }, () => { throw new Error("logger broke"); }), false);
});

test("readAudit: missing log is empty; torn and foreign lines skipped; since and limit", () => {
  withDir((dir) => {
    assert.deepEqual(readAudit(dir), []);
    const path = join(dir, "audit.jsonl");
    appendFileSync(path, JSON.stringify({ ts: 1000, kind: "change", n: 0 }) + "\n"); // old numeric ts
    appendFileSync(path, JSON.stringify({ ts: new Date(2000).toISOString(), kind: "change", n: 1 }) + "\n");
    appendFileSync(path, "[1,2]\n\n");
    appendFileSync(path, JSON.stringify({ ts: new Date(3000).toISOString(), kind: "decision", n: 2 }) + "\n");
    appendFileSync(path, '{"ts":"2024-01-01T00:00:00.000Z","kind":"cha'); // torn last line
    assert.deepEqual(readAudit(dir).map((e) => e.n), [0, 1, 2]);
    assert.deepEqual(readAudit(dir, { sinceMs: 2000 }).map((e) => e.n), [1, 2]);
    assert.deepEqual(readAudit(dir, { limit: 2 }).map((e) => e.n), [1, 2]);
    assert.deepEqual(readAudit(dir, { limit: 0 }), []);
  });
});

test("summarizeApprovalsDiff", () => {
  const cases: [string, unknown, unknown, string][] = [
    ["nothing", { version: 1, agents: {} }, { version: 1 }, "no changes"],
    ["missing old file", undefined, { version: 1, defaults: { security: "full" } }, "defaults.security unset→full"],
    [
      "knobs and allowlist",
      { version: 1, defaults: { security: "allowlist" }, agents: { main: { allowlist: ["/bin/cat", { pattern: "/usr/bin/id" }] } } },
      { version: 1, defaults: { security: "full" }, agents: { main: { allowlist: [{ pattern: "/usr/bin/id" }, "/usr/bin/ls"] } } },
      "defaults.security allowlist→full; agents.main.allowlist +/usr/bin/ls -/bin/cat",
    ],
    ["allowlist case-folded", { version: 1, agents: { main: { allowlist: ["/bin/LS"] } } }, { version: 1, agents: { main: { allowlist: ["/bin/ls"] } } }, "no changes"],
    ["agent added empty", { version: 1, agents: {} }, { version: 1, agents: { ops: {} } }, "agents.ops added"],
    ["agent removed", { version: 1, agents: { ops: { ask: "always" } } }, { version: 1, agents: {} }, "agents.ops.ask always→unset"],
    ["legacy default merged", { version: 1, agents: { main: {} } }, { version: 1, agents: { default: { allowlist: ["/bin/x"] } } }, "agents.main.allowlist +/bin/x"],
    ["token never shown", { version: 1, socket: { token: "OLD" } }, { version: 1, socket: { path: "/p", token: "NEW" } }, "socket.path unset→/p; socket.token replaced"],
  ];
  for (const [name, a, b, want] of cases) assert.equal(summarizeApprovalsDiff(a, b), want, name);
});
