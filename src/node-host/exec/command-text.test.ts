import { test } from "node:test";
import assert from "node:assert/strict";
import { formatArgv, inferCommandText, isShellWrapper, resolveCommandText } from "./command-text.js";
import { unwrapDispatchWrappers } from "./wrappers.js";

test("formatArgv", () => {
  const cases: [string[], string][] = [
    [["echo", "hi"], "echo hi"],
    [["echo", ""], 'echo ""'],
    [["echo", "a b"], 'echo "a b"'],
    [["echo", "tab\there"], 'echo "tab\there"'],
    [["echo", 'say "hi"'], 'echo "say \\"hi\\""'],
    [["echo", 'a"b'], 'echo "a\\"b"'],
    [["sh", "-c", "echo out; echo err >&2; exit 3"], 'sh -c "echo out; echo err >&2; exit 3"'],
    [["ls", "-la", "/tmp"], "ls -la /tmp"],
  ];
  for (const [argv, expected] of cases) assert.equal(formatArgv(argv), expected, JSON.stringify(argv));
});

test("isShellWrapper: detected forms", () => {
  const cases: [string[], string, string][] = [
    [["sh", "-c", "echo hi"], "sh", "echo hi"],
    [["/bin/bash", "-lc", "whoami"], "bash", "whoami"],
    [["/bin/zsh", "-lc", "whoami"], "zsh", "whoami"],
    [["bash", "-ec", "ls"], "bash", "ls"],
    [["bash", "-x", "-c", "ls"], "bash", "ls"],
    [["bash", "-o", "pipefail", "-c", "a | b"], "bash", "a | b"],
    [["fish", "--command", "ls"], "fish", "ls"],
    [["dash", "-c", "ls"], "dash", "ls"],
    [["ksh", "-c", "ls"], "ksh", "ls"],
    [["ash", "-c", "ls"], "ash", "ls"],
    [["BASH.EXE", "-c", "ls"], "bash", "ls"],
    [["cmd", "/c", "dir", "C:\\"], "cmd", "dir C:\\"],
    [["cmd.exe", "/K", "echo", "hi"], "cmd", "echo hi"],
    [["powershell", "-Command", "Get-Date"], "powershell", "Get-Date"],
    [["pwsh", "-NoProfile", "-c", "Get-Date"], "pwsh", "Get-Date"],
    [["env", "sh", "-c", "id"], "sh", "id"],
    [["env", "FOO=1", "sh", "-c", "id"], "sh", "id"],
    [["nice", "nohup", "bash", "-c", "id"], "bash", "id"],
    [["timeout", "5", "sh", "-c", "id"], "sh", "id"],
    [["stdbuf", "sh", "-c", "id"], "sh", "id"],
    [["busybox", "sh", "-c", "id"], "sh", "id"],
  ];
  for (const [argv, shell, inlineCommand] of cases) {
    assert.deepEqual(isShellWrapper(argv), { shell, inlineCommand }, JSON.stringify(argv));
  }
});

test("isShellWrapper: not a shell wrapper", () => {
  const cases: string[][] = [
    ["echo", "-c", "x"],
    ["bash", "script.sh"],
    ["bash", "script.sh", "-c", "x"],
    ["bash", "--", "-c", "x"],
    ["sh", "-c"],
    ["sh"],
    ["cmd", "dir"],
    ["sudo", "sh", "-c", "id"],
    ["env", "-i", "sh", "-c", "id"],
    ["python3", "-c", "print(1)"],
    ["nice", "nice", "nice", "nice", "nice", "sh", "-c", "id"],
  ];
  for (const argv of cases) assert.equal(isShellWrapper(argv), null, JSON.stringify(argv));
});

test("inferCommandText: inline command for plain shell wrappers, formatted argv otherwise", () => {
  assert.equal(inferCommandText(["sh", "-c", "  echo hi  "]), "echo hi");
  assert.equal(inferCommandText(["env", "FOO=1", "sh", "-c", "echo hi"]), 'env FOO=1 sh -c "echo hi"');
  assert.equal(inferCommandText(["sh", "-c", "echo $0", "x"]), 'sh -c "echo $0" x');
  assert.equal(inferCommandText(["uname", "-a"]), "uname -a");
});

test("resolveCommandText: rawCommand must match", () => {
  assert.deepEqual(resolveCommandText(["uname", "-a"], undefined), { ok: true, text: "uname -a" });
  assert.deepEqual(resolveCommandText(["uname", "-a"], "  uname -a "), { ok: true, text: "uname -a" });
  assert.deepEqual(resolveCommandText(["uname", "-a"], ""), { ok: true, text: "uname -a" });
  assert.deepEqual(resolveCommandText(["sh", "-c", "echo hi"], "echo hi"), { ok: true, text: "echo hi" });
  assert.deepEqual(resolveCommandText(["uname", "-a"], "rm -rf /"), { ok: false, message: "rawCommand does not match command" });
});

test("unwrapDispatchWrappers", () => {
  assert.deepEqual(unwrapDispatchWrappers(["uname", "-a"]), { ok: true, argv: ["uname", "-a"], wrappers: [], envAssignments: false });
  assert.deepEqual(unwrapDispatchWrappers(["/usr/bin/env", "uname"]), { ok: true, argv: ["uname"], wrappers: ["env"], envAssignments: false });
  assert.deepEqual(unwrapDispatchWrappers(["env", "A=1", "B=2", "uname"]), { ok: true, argv: ["uname"], wrappers: ["env"], envAssignments: true });
  assert.deepEqual(unwrapDispatchWrappers(["timeout", "5", "nice", "uname"]), { ok: true, argv: ["uname"], wrappers: ["timeout", "nice"], envAssignments: false });
  for (const argv of [["sudo", "uname"], ["env", "-i", "uname"], ["nice", "-n", "5", "uname"], ["timeout", "-s", "KILL", "5", "x"], ["nohup"], ["busybox", "rm", "-rf", "/"], ["nice", "nice", "nice", "nice", "nice", "uname"]]) {
    assert.equal(unwrapDispatchWrappers(argv).ok, false, JSON.stringify(argv));
  }
});
