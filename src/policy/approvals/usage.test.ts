import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../shared/test-helpers.js";
import { serializeApprovals } from "./file.js";
import { mergeAllowAlways, recordAllowlistUse } from "./usage.js";
import type { AgentApprovals } from "./schema.js";

function withFile(content: unknown, fn: (path: string) => void): void {
  const { dir, cleanup } = tempDir("usage");
  try {
    const path = join(dir, "exec-approvals.json");
    if (content !== undefined) writeFileSync(path, typeof content === "string" ? content : serializeApprovals(content as never));
    fn(path);
  } finally {
    cleanup();
  }
}

const file = {
  version: 1,
  agents: {
    "*": { allowlist: [{ id: "w", pattern: "/usr/bin/*" }] },
    main: { allowlist: [{ id: "m1", pattern: "/usr/bin/uname" }, { id: "m2", pattern: "/usr/bin/ls" }] },
  },
};

test("recordAllowlistUse: updates the matched entry of the agent's own list only", () => {
  withFile(file, (path) => {
    const wrote = recordAllowlistUse(path, { patterns: ["/usr/bin/*", "/USR/BIN/UNAME"], command: "uname -a", resolvedPath: "/usr/bin/uname", now: 1234 });
    assert.equal(wrote, true);
    const after = JSON.parse(readFileSync(path, "utf8"));
    assert.deepEqual(after.agents.main.allowlist[0], { id: "m1", pattern: "/usr/bin/uname", lastUsedAt: 1234, lastUsedCommand: "uname -a", lastResolvedPath: "/usr/bin/uname" });
    assert.deepEqual(after.agents.main.allowlist[1], { id: "m2", pattern: "/usr/bin/ls" });
    assert.deepEqual(after.agents["*"].allowlist[0], { id: "w", pattern: "/usr/bin/*" }, "wildcard entries are not touched");
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});

test("recordAllowlistUse: nothing written when only * entries matched", () => {
  withFile(file, (path) => {
    const before = readFileSync(path, "utf8");
    assert.equal(recordAllowlistUse(path, { patterns: ["/usr/bin/*"], command: "ls" }), false);
    assert.equal(readFileSync(path, "utf8"), before);
  });
});

test("recordAllowlistUse: never creates or repairs a file", () => {
  withFile(undefined, (path) => {
    assert.equal(recordAllowlistUse(path, { patterns: ["/usr/bin/uname"], command: "uname" }), false);
    assert.throws(() => statSync(path));
  });
  withFile("{broken", (path) => {
    assert.equal(recordAllowlistUse(path, { patterns: ["/usr/bin/uname"], command: "uname" }), false);
    assert.equal(readFileSync(path, "utf8"), "{broken");
  });
});

test("recordAllowlistUse: other agents", () => {
  withFile({ version: 1, agents: { ops: { allowlist: [{ id: "o", pattern: "/opt/x" }] } } }, (path) => {
    assert.equal(recordAllowlistUse(path, { agentId: "main", patterns: ["/opt/x"], command: "x" }), false);
    assert.equal(recordAllowlistUse(path, { agentId: "ops", patterns: ["/opt/x"], command: "x", now: 7 }), true);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).agents.ops.allowlist[0].lastUsedAt, 7);
  });
});

test("mergeAllowAlways: adds only missing patterns (case-insensitively), never for *, keeps odd agent ids as own keys", () => {
  const file = { agents: { main: { allowlist: [{ pattern: "/usr/bin/LS" }] } } } as { agents: Record<string, AgentApprovals> };
  const added = mergeAllowAlways(file, { agentId: "main", patterns: ["/usr/bin/ls", "/usr/bin/uname", "/usr/bin/uname"], command: "ls; uname", now: 7 });
  assert.deepEqual(added, ["/usr/bin/uname"]);
  assert.deepEqual(
    file.agents.main!.allowlist!.map((e) => [e.pattern, e.source, e.lastUsedAt, e.lastUsedCommand, typeof e.id]),
    [["/usr/bin/LS", undefined, undefined, undefined, "undefined"], ["/usr/bin/uname", "allow-always", 7, "ls; uname", "string"]],
  );
  assert.deepEqual(mergeAllowAlways(file, { agentId: "*", patterns: ["/bin/x"], command: "x" }), []);
  const empty: { agents?: Record<string, AgentApprovals> } = {};
  assert.deepEqual(mergeAllowAlways(empty, { agentId: "__proto__", patterns: ["/bin/x"], command: "x" }), ["/bin/x"]);
  assert.ok(Object.prototype.hasOwnProperty.call(empty.agents, "__proto__"));
  assert.equal(({} as { allowlist?: unknown }).allowlist, undefined, "Object.prototype untouched");
});
