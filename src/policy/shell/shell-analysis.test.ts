import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeShellText } from "./shell-analysis.js";

test("analyzeShellText: simple commands, chains and pipelines", () => {
  const cases: [string, string[][]][] = [
    ["echo hi", [["echo", "hi"]]],
    ["  echo   hi  ", [["echo", "hi"]]],
    ["ls -la /tmp && echo done", [["ls", "-la", "/tmp"], ["echo", "done"]]],
    ["a || b; c | d", [["a"], ["b"], ["c"], ["d"]]],
    ["a;b|c&&d", [["a"], ["b"], ["c"], ["d"]]],
    ["echo hi;", [["echo", "hi"]]],
    ["echo 'a b' \"c d\" e\\ f", [["echo", "a b", "c d", "e f"]]],
    ["echo '' \"\"", [["echo", "", ""]]],
    ["echo 'it''s'", [["echo", "its"]]],
    ["echo \"a\\\"b\\\\c\\$d\\x\"", [["echo", 'a"b\\c$d\\x']]],
    ["echo 'a|b;c&&d>e<f(g)`h`$(i)'", [["echo", "a|b;c&&d>e<f(g)`h`$(i)"]]],
    ["echo \"a|b;c&&d>e<f(g)\"", [["echo", "a|b;c&&d>e<f(g)"]]],
    ["echo $HOME \"$USER\" $", [["echo", "$HOME", "$USER", "$"]]],
    ["echo a\\;b a\\|b a\\&b a\\>b", [["echo", "a;b", "a|b", "a&b", "a>b"]]],
    ["echo a#b", [["echo", "a#b"]]],
    ["ls ~ ~/x", [["ls", "~", "~/x"]]],
    ["jq -r .name", [["jq", "-r", ".name"]]],
    ["head\t-n\t1", [["head", "-n", "1"]]],
  ];
  for (const [text, segments] of cases) assert.deepEqual(analyzeShellText(text), { ok: true, segments }, text);
});

test("analyzeShellText: rejected constructs", () => {
  const cases: [string, string][] = [
    ["echo $(id)", "unsupported shell token: $("],
    ["echo \"$(id)\"", "unsupported shell token: $( (inside double quotes)"],
    ["echo `id`", "unsupported shell token: ` (command substitution)"],
    ["echo \"`id`\"", "unsupported shell token: ` (inside double quotes)"],
    ["echo ${x@P}", "unsupported shell token: ${"],
    ["echo \"${x}\"", "unsupported shell token: ${ (inside double quotes)"],
    ["echo $[1+1]", "unsupported shell token: $["],
    ["echo \"$[1+1]\"", "unsupported shell token: $[ (inside double quotes)"],
    ["echo $'\\x41'", "unsupported shell token: $'"],
    ["echo $\"x\"", "unsupported shell token: $\""],
    ["echo x > /etc/x", "unsupported shell token: > (redirection)"],
    ["echo x >> /etc/x", "unsupported shell token: > (redirection)"],
    ["cat < /etc/shadow", "unsupported shell token: < (redirection)"],
    ["echo 2>&1", "unsupported shell token: > (redirection)"],
    ["cat <<EOF", "unsupported shell token: << (heredoc)"],
    ["diff <(ls) <(ls)", "unsupported shell token: <( (process substitution)"],
    ["tee >(sh)", "unsupported shell token: >( (process substitution)"],
    ["(id)", "unsupported shell token: ( (subshell)"],
    ["echo x)", "unsupported shell token: ) (subshell)"],
    ["{ id; }", "unsupported shell token: { (group or brace expansion)"],
    ["{cat,/etc/shadow}", "unsupported shell token: { (group or brace expansion)"],
    ["sleep 1 &", "unsupported shell token: & (background)"],
    ["sleep 1 & id", "unsupported shell token: & (background)"],
    ["echo x &> /tmp/x", "unsupported shell token: & (background)"],
    ["a |& b", "unsupported shell token: |&"],
    ["echo a\nid", "unsupported shell token: newline"],
    ["echo a\r\nid", "unsupported shell token: newline"],
    ["echo 'a\nb'", "unsupported shell token: newline"],
    ["echo a \\\nid", "line continuation is not supported"],
    ["echo a # ; id", "unsupported shell token: # (comment)"],
    ["=sh -c id", "unsupported shell token: = at the start of a word (zsh =command expansion)"],
    ["ls ~root", "unsupported shell token: ~r (tilde expansion)"],
    ["~+/x", "unsupported shell token: ~+ (tilde expansion)"],
    ["\"~/bin/x\"", "a quoted ~ in the executable name is not supported"],
    ["\\~/bin/x", "a quoted ~ in the executable name is not supported"],
    ["echo 'abc", "unterminated single quote"],
    ["echo \"abc", "unterminated double quote"],
    ["echo abc\\", "trailing backslash"],
    ["", "empty command"],
    ["   ", "empty command"],
    ["&& id", "empty command before &&"],
    ["id ||", "empty command after ||"],
    ["id |", "empty command after |"],
    ["id | | id", "empty command before |"],
    ["id ;; id", "unsupported shell token: ;;"],
  ];
  for (const [text, reason] of cases) assert.deepEqual(analyzeShellText(text), { ok: false, reason }, JSON.stringify(text));
});

test("analyzeShellText: cmd.exe", () => {
  assert.deepEqual(analyzeShellText("dir C:\\ /b", { windows: true }), { ok: true, segments: [["dir", "C:\\", "/b"]] });
  assert.deepEqual(analyzeShellText('"C:\\Program Files\\x.exe" a', { windows: true }), { ok: true, segments: [["C:\\Program Files\\x.exe", "a"]] });
  for (const text of ["dir & calc", "a | b", "a > b", "a < b", "^calc", "(a)", "%PATH%", "!x!", "a\nb", "a && b"]) {
    assert.equal(analyzeShellText(text, { windows: true }).ok, false, text);
  }
  assert.deepEqual(analyzeShellText('"a', { windows: true }), { ok: false, reason: "unterminated double quote" });
  assert.deepEqual(analyzeShellText("  ", { windows: true }), { ok: false, reason: "empty command" });
});
