import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveExecutable, whichAll } from "./which.js";
import { tempDir } from "../../shared/test-helpers.js";

// Layout: a/tool (not executable), b/tool (executable), b/dir (a directory), a/only-a (executable)
function layout(dir: string): { a: string; b: string } {
  const a = join(dir, "a");
  const b = join(dir, "b");
  mkdirSync(a);
  mkdirSync(b);
  mkdirSync(join(b, "dir"));
  writeFileSync(join(a, "tool"), "#!/bin/sh\n");
  chmodSync(join(a, "tool"), 0o644);
  writeFileSync(join(b, "tool"), "#!/bin/sh\n");
  chmodSync(join(b, "tool"), 0o755);
  writeFileSync(join(a, "only-a"), "#!/bin/sh\n");
  chmodSync(join(a, "only-a"), 0o755);
  return { a, b };
}

test("whichAll: first executable regular file in PATH; missing and invalid names omitted", () => {
  const { dir, cleanup } = tempDir("which");
  try {
    const { a, b } = layout(dir);
    const pathEnv = ["", "relative/dir", a, b].join(":");
    const r = whichAll(["tool", " only-a ", "dir", "missing-xyz", "", "a/tool", "..\\x", 42, "tool"], pathEnv);
    assert.deepEqual(r, { tool: join(b, "tool"), "only-a": join(a, "only-a") });
  } finally {
    cleanup();
  }
});

test("whichAll: not an array → nothing", () => {
  assert.deepEqual(whichAll("sh", "/usr/bin:/bin"), {});
});

test("whichAll: real PATH", () => {
  const r = whichAll(["sh", "no-such-binary-xyz"], process.env.PATH ?? "/usr/bin:/bin");
  assert.ok(r.sh?.endsWith("/sh"));
  assert.equal("no-such-binary-xyz" in r, false);
});

test("resolveExecutable: bare names, relative and absolute paths, ~", () => {
  const { dir, cleanup } = tempDir("resolve");
  try {
    const { a, b } = layout(dir);
    const opts = { cwd: dir, pathEnv: `${a}:${b}`, home: dir };
    assert.equal(resolveExecutable("tool", opts), join(b, "tool"));
    assert.equal(resolveExecutable("./b/tool", opts), join(b, "tool"));
    assert.equal(resolveExecutable("b/../b/tool", opts), join(b, "tool"));
    assert.equal(resolveExecutable("./a/tool", opts), undefined, "not executable");
    assert.equal(resolveExecutable(join(b, "tool"), opts), join(b, "tool"));
    assert.equal(resolveExecutable("~/b/tool", opts), join(b, "tool"));
    assert.equal(resolveExecutable("./b/dir", opts), undefined, "a directory");
    assert.equal(resolveExecutable("missing-xyz", opts), undefined);
    assert.equal(resolveExecutable("", opts), undefined);
  } finally {
    cleanup();
  }
});
