import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killAllRunning, runProcess, runningCount, utf8SafeLength, TRUNCATION_MARKER } from "./run-process.js";
import { isAlive, tempDir, waitUntilDead } from "../../shared/test-helpers.js";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

test("runProcess: echo", async () => {
  const r = await runProcess({ argv: ["echo", "hi"], env });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, "hi\n");
  assert.equal(r.stderr, "");
  assert.equal(r.error, null);
  assert.equal(r.timedOut, false);
  assert.equal(r.cancelled, false);
  assert.ok(r.durationMs >= 0);
});

test("runProcess: no shell — arguments are passed verbatim", async () => {
  const r = await runProcess({ argv: ["echo", "$HOME", "a;b", "*"], env });
  assert.equal(r.stdout, "$HOME a;b *\n");
});

test("runProcess: stdout, stderr and a non-zero exit", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "echo out; echo err >&2; exit 3"], env });
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout, "out\n");
  assert.equal(r.stderr, "err\n");
  assert.equal(r.error, null);
});

test("runProcess: stdin is empty", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "cat; echo done"], env, timeoutMs: 5000 });
  assert.equal(r.stdout, "done\n");
  assert.equal(r.timedOut, false);
});

test("runProcess: env and cwd are the ones given", async () => {
  const r = await runProcess({ argv: ["sh", "-c", 'pwd; echo "FOO=$FOO"'], cwd: "/tmp", env: { ...env, FOO: "bar" } });
  assert.equal(r.stdout, "/tmp\nFOO=bar\n");
});

test("runProcess: missing executable → launch error, no exit code", async () => {
  const r = await runProcess({ argv: ["no-such-binary-xyz", "--flag"], env });
  assert.equal(r.error, "Command failed during launch or output capture (ENOENT)");
  assert.equal("exitCode" in r, false);
  assert.equal(r.timedOut, false);
});

test("runProcess: file without execute permission → EACCES", async () => {
  const { dir, cleanup } = tempDir("noexec");
  try {
    const file = join(dir, "script.sh");
    writeFileSync(file, "#!/bin/sh\necho hi\n");
    chmodSync(file, 0o600);
    const r = await runProcess({ argv: [file], env });
    assert.equal(r.error, "Command failed during launch or output capture (EACCES)");
    assert.equal(r.exitCode, undefined);
  } finally {
    cleanup();
  }
});

test("runProcess: missing cwd gets its own message", async () => {
  const r = await runProcess({ argv: ["echo", "hi"], cwd: "/no/such/dir-xyz", env });
  assert.equal(r.error, "working directory does not exist on the node host: /no/such/dir-xyz");
  assert.equal(r.exitCode, undefined);
  assert.equal(r.stdout, "");
});

test("runProcess: `executable` runs that file while the child still sees argv[0]", async () => {
  const r = await runProcess({ argv: ["my-name", "-c", 'echo "$0"'], executable: "/bin/sh", env });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, "my-name\n");
});

test("runProcess: timeout kills the whole process group and reports 124", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "sleep 30 & echo $!; sleep 30"], env, timeoutMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 124);
  assert.equal(r.cancelled, false);
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
  const pid = Number(r.stdout.trim());
  assert.ok(Number.isInteger(pid) && pid > 0, `no pid in ${JSON.stringify(r.stdout)}`);
  assert.equal(await waitUntilDead(pid), true, `grandchild ${pid} survived the timeout`);
});

test("runProcess: output produced before the timeout is kept", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "echo start; sleep 30"], env, timeoutMs: 300 });
  assert.equal(r.stdout, "start\n");
  assert.equal(r.exitCode, 124);
});

test("runProcess: SIGTERM ignored → SIGKILL after the grace period", async () => {
  const r = await runProcess({ argv: ["sh", "-c", 'trap "" TERM; echo $$; sleep 30'], env, timeoutMs: 200, killGraceMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 124);
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
  const pid = Number(r.stdout.trim());
  assert.equal(await waitUntilDead(pid), true);
});

test("runProcess: abort signal cancels and kills the tree", async () => {
  const ac = new AbortController();
  const pending = runProcess({ argv: ["sh", "-c", "sleep 30 & echo $!; sleep 30"], env, signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  const r = await pending;
  assert.equal(r.cancelled, true);
  assert.equal(r.timedOut, false);
  assert.equal(r.exitCode, undefined);
  assert.equal(r.signal, "SIGTERM");
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0);
  assert.equal(await waitUntilDead(pid), true, `grandchild ${pid} survived the cancel`);
});

test("runProcess: an already aborted signal launches nothing", async () => {
  const ac = new AbortController();
  ac.abort();
  const { dir, cleanup } = tempDir("aborted");
  try {
    const marker = join(dir, "ran");
    const r = await runProcess({ argv: ["sh", "-c", `touch ${marker}`], env, signal: ac.signal });
    assert.equal(r.cancelled, true);
    assert.equal(r.exitCode, undefined);
    assert.equal(isAlive(process.pid), true);
    const again = await runProcess({ argv: ["test", "-e", marker], env });
    assert.equal(again.exitCode, 1, "the command ran although the signal was aborted");
  } finally {
    cleanup();
  }
});

test("runProcess: killAllRunning SIGKILLs every running group", async () => {
  const pending = runProcess({ argv: ["sh", "-c", "sleep 30 & echo $!; sleep 30"], env });
  const started = Date.now();
  while (runningCount() === 0 && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200)); // let the shell start its background job
  killAllRunning();
  const r = await pending;
  assert.equal(r.signal, "SIGKILL");
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.equal(r.exitCode, undefined);
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0);
  assert.equal(await waitUntilDead(pid), true);
});

test("runProcess: stdout over the cap is cut and marked; stderr keeps its own budget", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "yes abcdefghij | head -c 300000; echo ERR >&2; exit 3"], env });
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout.length, 200_000 + TRUNCATION_MARKER.length);
  assert.ok(r.stdout.endsWith(TRUNCATION_MARKER));
  assert.ok(r.stdout.startsWith("abcdefghij\nabcdefghij\n"));
  assert.equal(r.stdoutTruncated, true);
  assert.equal(r.stderr, "ERR\n");
  assert.equal(r.stderrTruncated, false);
});

test("runProcess: both streams over the cap are both marked", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "yes a | head -c 300000; yes b | head -c 300000 >&2"], env });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, "a\n".repeat(100_000) + TRUNCATION_MARKER);
  assert.equal(r.stderr, "b\n".repeat(100_000) + TRUNCATION_MARKER);
  assert.equal(r.stdoutTruncated && r.stderrTruncated, true);
});

test("runProcess: output exactly at the cap is not marked", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "printf abcde"], env, outputCapBytes: 5 });
  assert.equal(r.stdout, "abcde");
  assert.equal(r.stdoutTruncated, false);
});

test("runProcess: the cut never splits a UTF-8 character", async () => {
  // "aaaa€" is 7 bytes; a 5- or 6-byte cap falls inside the euro sign
  for (const cap of [5, 6]) {
    const r = await runProcess({ argv: ["sh", "-c", "printf 'aaaa\\342\\202\\254'"], env, outputCapBytes: cap });
    assert.equal(r.stdout, "aaaa" + TRUNCATION_MARKER, `cap ${cap}`);
  }
  const whole = await runProcess({ argv: ["sh", "-c", "printf 'aaaa\\342\\202\\254b'"], env, outputCapBytes: 7 });
  assert.equal(whole.stdout, "aaaa€" + TRUNCATION_MARKER);
});

test("utf8SafeLength", () => {
  const buf = Buffer.from("a€b", "utf8"); // 61 e2 82 ac 62
  assert.equal(utf8SafeLength(buf, 10), 5);
  assert.equal(utf8SafeLength(buf, 1), 1);
  assert.equal(utf8SafeLength(buf, 2), 1);
  assert.equal(utf8SafeLength(buf, 3), 1);
  assert.equal(utf8SafeLength(buf, 4), 4);
  assert.equal(utf8SafeLength(Buffer.from("😀", "utf8"), 3), 0);
});

test("runProcess: a timeout beyond setTimeout's range does not fire early", async () => {
  const r = await runProcess({ argv: ["sh", "-c", "sleep 0.2; echo done"], env, timeoutMs: 1e10 });
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout, "done\n");
});
