import { test } from "node:test";
import assert from "node:assert/strict";
import { compileAllowlistPattern } from "./glob.js";

const home = "/home/u";

const cases: [string, string, boolean][] = [
  ["/usr/bin/uname", "/usr/bin/uname", true],
  ["/usr/bin/uname", "/usr/bin/unamex", false],
  ["/usr/bin/uname", "/x/usr/bin/uname", false],
  ["/usr/bin/uname", "/USR/BIN/UNAME", true], // case-insensitive on purpose
  ["/usr/bin/Foo*", "/usr/bin/foobar", true],
  // every non-wildcard character is literal (quirk §12.4)
  ["/usr/bin/g++", "/usr/bin/g++", true],
  ["/usr/bin/g++", "/usr/bin/ggg", false],
  ["/opt/foo(/bin/x", "/opt/foo(/bin/x", true],
  ["/opt/a.b", "/opt/a.b", true],
  ["/opt/a.b", "/opt/axb", false],
  ["/opt/[ab]", "/opt/[ab]", true],
  ["/opt/[ab]", "/opt/a", false],
  ["/opt/x$", "/opt/x$", true],
  ["/opt/a|b", "/opt/a", false],
  ["/opt/^x\\y{2}", "/opt/^x\\y{2}", true],
  // * stays inside one path segment
  ["/usr/bin/*", "/usr/bin/ls", true],
  ["/usr/bin/*", "/usr/bin/", true],
  ["/usr/bin/*", "/usr/bin/sub/ls", false],
  ["/usr/*/ls", "/usr/bin/ls", true],
  ["/usr/*/ls", "/usr/a/b/ls", false],
  // ** crosses segments
  ["/opt/**", "/opt/a/b/c", true],
  ["/opt/**/bin/rg", "/opt/x/y/bin/rg", true],
  ["/opt/**/bin/rg", "/opt/bin/rg", false],
  ["/opt/**rg", "/opt/a/b/rg", true],
  // ? is one character, never /
  ["/usr/bin/?s", "/usr/bin/ls", true],
  ["/usr/bin/?s", "/usr/bin/lls", false],
  ["/usr/bin?ls", "/usr/bin/ls", false],
  ["/usr/bin/?", "/usr/bin/€", true],
  // ~ is the home directory
  ["~/Projects/**/bin/rg", "/home/u/Projects/x/bin/rg", true],
  ["~/bin/x", "/root/bin/x", false],
  ["~", "/home/u", true],
  // * alone matches anything
  ["*", "/anything/at/all", true],
  [" * ", "", true],
  // anchored at both ends
  ["/usr/bin/ls", "/usr/bin/ls ", false],
  ["bin/ls", "/usr/bin/ls", false],
  ["", "", true],
  ["", "/x", false],
];

for (const [pattern, path, expected] of cases) {
  test(`glob ${JSON.stringify(pattern)} vs ${JSON.stringify(path)} → ${expected}`, () => {
    assert.equal(compileAllowlistPattern(pattern, home)(path), expected);
  });
}

test("glob: many stars against a long non-matching path still answers correctly", () => {
  const pattern = "/" + "*a".repeat(30) + "b";
  const path = "/" + "a".repeat(5000);
  assert.equal(compileAllowlistPattern(pattern, home)(path), false);
  assert.equal(compileAllowlistPattern(pattern, home)(path + "b"), true);
  assert.equal(compileAllowlistPattern("/**/**/**/**/x", home)("/" + "a/".repeat(2000) + "y"), false);
});
