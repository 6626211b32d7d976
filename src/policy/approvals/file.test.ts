import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../protocol/device-auth.js";
import { tempDir } from "../../shared/test-helpers.js";
import { effectivePolicy, normalizeApprovals, readApprovals, serializeApprovals, setApprovals, snapshotApprovals } from "./file.js";

const EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function withFile(fn: (path: string) => void): void {
  const { dir, cleanup } = tempDir("approvals");
  try {
    fn(join(dir, "exec-approvals.json"));
  } finally {
    cleanup();
  }
}

test("readApprovals: missing file", () => {
  withFile((path) => assert.deepEqual(readApprovals(path), { kind: "missing", hash: EMPTY_HASH }));
});

test("readApprovals: hash is over the exact bytes", () => {
  withFile((path) => {
    const raw = '{ "version": 1,\n"agents": {} }';
    writeFileSync(path, raw);
    const r = readApprovals(path);
    assert.equal(r.kind, "ok");
    assert.equal(r.hash, sha256Hex(raw));
    if (r.kind === "ok") assert.equal(r.raw, raw);
  });
});

const invalid: [string, string, string][] = [
  ["not JSON", "{version: 1", "not valid JSON"],
  ["array", "[]", "the file must hold a JSON object"],
  ["version 2", '{"version":2,"agents":{}}', "version must be 1 (found 2)"],
  ["no version", '{"agents":{}}', "version must be 1"],
  ["agents not object", '{"version":1,"agents":[]}', "agents must be an object"],
  ["bad security", '{"version":1,"defaults":{"security":"allow"}}', "defaults.security must be one of deny, allowlist, full"],
  ["bad ask", '{"version":1,"agents":{"main":{"ask":"sometimes"}}}', "agents.main.ask must be one of off, on-miss, always"],
  ["bad autoAllowSkills", '{"version":1,"agents":{"main":{"autoAllowSkills":"yes"}}}', "agents.main.autoAllowSkills must be a boolean"],
  ["allowlist not array", '{"version":1,"agents":{"main":{"allowlist":"x"}}}', "agents.main.allowlist must be an array"],
  ["entry pattern number", '{"version":1,"agents":{"main":{"allowlist":[{"pattern":5}]}}}', "agents.main.allowlist[0].pattern must be a string"],
  ["entry number", '{"version":1,"agents":{"x":{"allowlist":["/a", 7]}}}', "agents.x.allowlist[1] must be a string or an object"],
  ["socket token number", '{"version":1,"socket":{"token":1}}', "socket.token must be a string"],
];

for (const [name, raw, problem] of invalid) {
  test(`readApprovals: invalid (${name}) is reported with the file name, and left alone`, () => {
    withFile((path) => {
      writeFileSync(path, raw);
      const r = readApprovals(path);
      assert.equal(r.kind, "invalid");
      if (r.kind !== "invalid") return;
      assert.ok(r.message.startsWith(`${path}: `), r.message);
      assert.ok(r.message.includes(problem), r.message);
      assert.equal(r.hash, sha256Hex(raw));
      assert.throws(() => snapshotApprovals(path), (err: Error) => err.message.includes(path) && err.message.includes(problem));
      assert.equal(readFileSync(path, "utf8"), raw);
    });
  });
}

test("normalizeApprovals: bare strings, empty patterns, ids, legacy default merged into main", () => {
  const n = normalizeApprovals({
    version: 1,
    socket: { path: " /s.sock ", token: "" },
    agents: {
      default: { security: "full", ask: "off", allowlist: ["/usr/bin/a", { pattern: "/USR/BIN/B" }, { pattern: "/usr/bin/c", lastUsedAt: 5 }] },
      main: { security: "allowlist", allowlist: [{ pattern: "/usr/bin/b", id: "keep-me" }, { pattern: "  " }, { id: "no-pattern" }] },
      ops: { allowlist: [" /opt/x ", ""] },
    },
  });
  assert.deepEqual(n.socket, { path: "/s.sock" });
  const main = n.agents.main;
  assert.ok(main);
  assert.equal(main.security, "allowlist", "main's knobs win");
  assert.equal(main.ask, "off", "default fills main's gaps");
  assert.deepEqual(main.allowlist?.map((e) => e.pattern), ["/usr/bin/b", "/usr/bin/a", "/usr/bin/c"]);
  assert.equal(main.allowlist?.[0]?.id, "keep-me");
  assert.match(main.allowlist?.[1]?.id ?? "", UUID);
  assert.equal(main.allowlist?.[2]?.lastUsedAt, 5);
  assert.equal("default" in n.agents, false);
  assert.deepEqual(n.agents.ops?.allowlist?.map((e) => e.pattern), ["/opt/x"]);
  assert.deepEqual(Object.keys(n.agents.ops?.allowlist?.[0] ?? {}), ["pattern", "id"]);
});

test("snapshotApprovals: missing file", () => {
  withFile((path) => {
    assert.deepEqual(snapshotApprovals(path), { path, exists: false, hash: EMPTY_HASH, file: { version: 1, agents: {} } });
  });
});

test("snapshotApprovals: token never returned; socket reduced to {path}", () => {
  withFile((path) => {
    const raw = JSON.stringify({ version: 1, socket: { path: "/s.sock", token: "secret-token" }, defaults: {}, agents: {} });
    writeFileSync(path, raw);
    const snap = snapshotApprovals(path);
    assert.deepEqual(snap, { path, exists: true, hash: sha256Hex(raw), file: { version: 1, socket: { path: "/s.sock" }, defaults: {}, agents: {} } });
    assert.equal(JSON.stringify(snap).includes("secret-token"), false);
  });
  withFile((path) => {
    writeFileSync(path, JSON.stringify({ version: 1, socket: { token: "secret-token" }, agents: {} }));
    assert.deepEqual(snapshotApprovals(path).file, { version: 1, agents: {} });
  });
});

test("setApprovals: base hash required, and must be current", () => {
  withFile((path) => {
    const file = { version: 1, agents: {} };
    assert.throws(() => setApprovals(path, file, undefined), { message: "exec approvals base hash required; reload and retry" });
    assert.throws(() => setApprovals(path, file, "  "), { message: "exec approvals base hash required; reload and retry" });
    assert.throws(() => setApprovals(path, file, "0".repeat(64)), { message: "exec approvals changed; reload and retry" });
    assert.equal(readApprovals(path).kind, "missing", "nothing written");
  });
});

test("setApprovals: writes 0600 pretty JSON, normalised, and returns the new snapshot", () => {
  withFile((path) => {
    const snap = setApprovals(path, { version: 1, defaults: { security: "allowlist" }, agents: { main: { allowlist: [{ pattern: "/usr/bin/echo" }] } } }, EMPTY_HASH);
    const raw = readFileSync(path, "utf8");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(raw.endsWith("}\n"));
    assert.equal(raw, serializeApprovals(JSON.parse(raw)));
    assert.equal(snap.exists, true);
    assert.equal(snap.hash, sha256Hex(raw));
    const entry = snap.file.agents.main?.allowlist?.[0];
    assert.equal(entry?.pattern, "/usr/bin/echo");
    assert.match(entry?.id ?? "", UUID);
  });
});

test("setApprovals: no rewrite when the content does not change", () => {
  withFile((path) => {
    const first = setApprovals(path, { version: 1, agents: { main: { allowlist: [{ pattern: "/usr/bin/echo" }] } } }, EMPTY_HASH);
    const before = statSync(path);
    const again = setApprovals(path, first.file, first.hash);
    const after = statSync(path);
    assert.equal(again.hash, first.hash);
    assert.equal(after.ino, before.ino, "the file was replaced");
    assert.equal(after.mtimeMs, before.mtimeMs);
  });
});

test("setApprovals: a set with the same content in another key order is not a change", () => {
  withFile((path) => {
    const first = setApprovals(path, { version: 1, defaults: { ask: "off", security: "full" }, agents: {} }, EMPTY_HASH);
    const before = statSync(path);
    setApprovals(path, { agents: {}, defaults: { security: "full", ask: "off" }, version: 1 }, first.hash);
    assert.equal(statSync(path).ino, before.ino);
  });
});

test("setApprovals: keeps the socket token when the new file has none; a new token replaces it", () => {
  withFile((path) => {
    const raw = serializeApprovals({ version: 1, socket: { path: "/s.sock", token: "old-token" }, agents: {} });
    writeFileSync(path, raw);
    const snap = setApprovals(path, { version: 1, socket: { path: "/s.sock" }, defaults: { security: "deny" }, agents: {} }, sha256Hex(raw));
    assert.equal(JSON.parse(readFileSync(path, "utf8")).socket.token, "old-token");
    assert.deepEqual(snap.file.socket, { path: "/s.sock" });
    setApprovals(path, { version: 1, socket: { token: "new-token" }, agents: {} }, snap.hash);
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")).socket, { path: "/s.sock", token: "new-token" });
  });
});

test("setApprovals: shape errors name the field; bare-name patterns are refused", () => {
  withFile((path) => {
    assert.throws(() => setApprovals(path, { version: 1, agents: { main: { security: "yolo" } } }, EMPTY_HASH), /agents\.main\.security must be one of/);
    assert.throws(() => setApprovals(path, { version: 3 }, EMPTY_HASH), /version must be 1/);
    assert.throws(
      () => setApprovals(path, { version: 1, agents: { main: { allowlist: [{ pattern: "uname" }] } } }, EMPTY_HASH),
      (err: Error) => err.message.includes('allowlist pattern "uname" has no path; use an absolute path such as /usr/bin/uname') && err.message.includes("agents.main.allowlist[0]"),
    );
    assert.throws(() => setApprovals(path, { version: 1, agents: { main: { allowlist: ["rg"] } } }, EMPTY_HASH), /"rg" has no path/);
    for (const pattern of ["*", "~/bin/rg", "/usr/bin/g++", "C:\\tools\\x.exe"]) {
      const current = readApprovals(path).hash;
      assert.doesNotThrow(() => setApprovals(path, { version: 1, agents: { main: { allowlist: [pattern] } } }, current), pattern);
    }
  });
});

test("setApprovals: an invalid file is replaced only with its own hash as baseHash", () => {
  withFile((path) => {
    writeFileSync(path, "{broken");
    assert.throws(() => setApprovals(path, { version: 1, agents: {} }, EMPTY_HASH), { message: "exec approvals changed; reload and retry" });
    assert.equal(readFileSync(path, "utf8"), "{broken");
    setApprovals(path, { version: 1, agents: {} }, sha256Hex("{broken"));
    assert.equal(readApprovals(path).kind, "ok");
  });
});

test("effectivePolicy: built-in defaults", () => {
  assert.deepEqual(effectivePolicy(undefined), { security: "allowlist", ask: "on-miss", askFallback: "deny", autoAllowSkills: false, allowlist: [] });
  assert.deepEqual(effectivePolicy({ version: 1, agents: {} }, "ops"), { security: "allowlist", ask: "on-miss", askFallback: "deny", autoAllowSkills: false, allowlist: [] });
});

test("effectivePolicy: agent → * → defaults → built-in, allowlists * first", () => {
  const file = normalizeApprovals({
    version: 1,
    defaults: { security: "deny", ask: "always", askFallback: "full", autoAllowSkills: true },
    agents: {
      "*": { ask: "off", allowlist: ["/wild/x"] },
      main: { security: "full", allowlist: ["/main/x"] },
      ops: { askFallback: "allowlist" },
    },
  });
  const main = effectivePolicy(file);
  assert.equal(main.security, "full");
  assert.equal(main.ask, "off");
  assert.equal(main.askFallback, "full");
  assert.equal(main.autoAllowSkills, true);
  assert.deepEqual(main.allowlist.map((e) => e.pattern), ["/wild/x", "/main/x"]);
  const ops = effectivePolicy(file, " ops ");
  assert.equal(ops.security, "deny");
  assert.equal(ops.askFallback, "allowlist");
  assert.deepEqual(ops.allowlist.map((e) => e.pattern), ["/wild/x"]);
  assert.equal(effectivePolicy(file, "constructor").security, "deny", "prototype keys are not agents");
  assert.deepEqual(effectivePolicy(file, "*").allowlist.map((e) => e.pattern), ["/wild/x"]);
});
