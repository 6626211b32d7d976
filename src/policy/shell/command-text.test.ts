import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeShellWrapper, formatArgv, inferCommandText, isShellWrapper, resolveCommandText } from "./command-text.js";
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

test("unwrapDispatchWrappers: looked through", () => {
  const cases: [string[], string[], string[], string[], boolean][] = [
    // argv, inner argv, wrapper names, wrapper tokens, envAssignments
    [["uname", "-a"], ["uname", "-a"], [], [], false],
    [["/usr/bin/env", "uname"], ["uname"], ["env"], ["/usr/bin/env"], false],
    [["env", "--", "uname"], ["uname"], ["env"], ["env"], false],
    [["env", "A=1", "B=2", "uname"], ["uname"], ["env"], ["env"], true],
    [["timeout", "5", "nice", "uname"], ["uname"], ["timeout", "nice"], ["timeout", "nice"], false],
    [["nice", "-n", "5", "uname"], ["uname"], ["nice"], ["nice"], false],
    [["nice", "-n5", "uname"], ["uname"], ["nice"], ["nice"], false],
    [["nice", "-5", "uname"], ["uname"], ["nice"], ["nice"], false],
    [["nice", "--adjustment=-3", "uname"], ["uname"], ["nice"], ["nice"], false],
    [["nice", "--priority", "3", "uname"], ["uname"], ["nice"], ["nice"], false],
    [["timeout", "-s", "KILL", "5", "x"], ["x"], ["timeout"], ["timeout"], false],
    [["timeout", "--signal=TERM", "-k", "2s", "--preserve-status", "--foreground", "-v", "1.5m", "x", "-y"], ["x", "-y"], ["timeout"], ["timeout"], false],
    [["timeout", "-sKILL", "--kill-after=1", "5", "x"], ["x"], ["timeout"], ["timeout"], false],
    [["stdbuf", "-oL", "-e", "0", "--input=4K", "x"], ["x"], ["stdbuf"], ["stdbuf"], false],
    [["nohup", "--", "x"], ["x"], ["nohup"], ["nohup"], false],
    [["busybox", "sh", "-c", "id"], ["sh", "-c", "id"], ["busybox"], ["busybox"], false],
  ];
  for (const [argv, inner, wrappers, wrapperTokens, envAssignments] of cases) {
    assert.deepEqual(unwrapDispatchWrappers(argv), { ok: true, argv: inner, wrappers, wrapperTokens, envAssignments }, JSON.stringify(argv));
  }
});

test("unwrapDispatchWrappers: not looked through", () => {
  const cases: string[][] = [
    ["sudo", "uname"],
    ["env", "-i", "uname"],
    ["env", "-S", "uname -a"],
    ["env", "-u", "X", "uname"],
    ["env", "--split-string=uname"],
    ["env", "A=1"],
    ["nice", "-n", "x", "uname"],
    ["nice", "--foo", "uname"],
    ["timeout", "-s", "KILL", "x"],
    ["timeout", "--kill-after", "uname"],
    ["timeout", "uname"],
    ["timeout", "5"],
    ["stdbuf", "-o", "/tmp/x", "uname"],
    ["nohup", "--help"],
    ["nohup"],
    ["busybox", "rm", "-rf", "/"],
    ["toybox"],
    ["nice", "nice", "nice", "nice", "nice", "uname"],
    ["nice", "chrt", "1", "uname"],
  ];
  for (const argv of cases) assert.equal(unwrapDispatchWrappers(argv).ok, false, JSON.stringify(argv));
});

test("analyzeShellWrapper: options in front of the inline command", () => {
  const cases: [string[], string[]][] = [
    [["sh", "-c", "id"], ["-c"]],
    [["bash", "-x", "-lc", "id"], ["-x", "-lc"]],
    [["bash", "-o", "pipefail", "-c", "id"], ["-o", "pipefail", "-c"]],
    [["bash", "--rcfile", "/tmp/x", "-ic", "id"], ["--rcfile", "/tmp/x", "-ic"]],
    [["cmd", "/d", "/c", "dir"], ["/d", "/c"]],
  ];
  for (const [argv, options] of cases) assert.deepEqual(analyzeShellWrapper(argv)?.options, options, JSON.stringify(argv));
});
