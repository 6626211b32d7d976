import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SAFE_BINS, SAFE_BIN_PROFILES, SAFE_BIN_TRUSTED_DIRS, isSafeBinUse } from "./safe-bins.js";

const linux = { platform: "linux" as const };
const at = (argv: string[]) => `/usr/bin/${argv[0] ?? ""}`;

test("safe bins: defaults and trusted dirs", () => {
  assert.deepEqual([...DEFAULT_SAFE_BINS], ["jq", "cut", "uniq", "head", "tail", "tr", "wc"]);
  assert.deepEqual([...SAFE_BIN_TRUSTED_DIRS], ["/bin", "/usr/bin"]);
  for (const bin of DEFAULT_SAFE_BINS) assert.ok(SAFE_BIN_PROFILES[bin], `profile for ${bin}`);
});

test("isSafeBinUse: allowed", () => {
  const cases: string[][] = [
    ["head"],
    ["head", "-n", "1"],
    ["head", "-n1"],
    ["head", "--lines=5"],
    ["head", "--lines", "5"],
    ["head", "-q", "-n", "1"],
    ["head", "-qn", "1"],
    ["head", "-qn1"],
    ["head", "-c", "100", "-"],
    ["tail", "-n", "+2"],
    ["tail", "-n", "-5"],
    ["wc", "-l"],
    ["wc", "-lwc"],
    ["wc", "--lines", "--words"],
    ["uniq", "-c"],
    ["uniq", "-ci", "-f", "2"],
    ["cut", "-d", ",", "-f", "1,3"],
    ["cut", "-d,", "-f1", "-s"],
    ["cut", "--delimiter=:", "--fields=1", "--complement"],
    ["tr", "a-z", "A-Z"],
    ["tr", "-d", "\\r"],
    ["tr", "-cs", "A-Za-z", "\\n"],
    ["jq"],
    ["jq", "."],
    ["jq", "-r", ".name"],
    ["jq", "-rc", ".a.b"],
    ["jq", "-n", "--arg", "x", "y", ".x"],
    ["jq", "--argjson", "n", "1", "--indent", "4", ".n"],
    ["jq", "--", "-r"],
    ["head", "", "-n", "1"],
  ];
  for (const argv of cases) assert.equal(isSafeBinUse(argv, at(argv), linux), true, JSON.stringify(argv));
});

test("isSafeBinUse: refused arguments", () => {
  const cases: string[][] = [
    // file operands and path-like values
    ["head", "/etc/shadow"],
    ["head", "secret.txt"],
    ["head", "--", "/etc/shadow"],
    ["head", "-n", "1", "./x"],
    ["head", "-n", "../x"],
    ["tail", "~/x"],
    ["wc", "-l", "C:\\x"],
    ["tr", "a"].concat(["b", "/etc/passwd"]),
    ["jq", ".", "/etc/passwd"],
    ["jq", ".", "data.json"],
    ["uniq", "in.txt", "out.txt"],
    // globs could expand into file names
    ["jq", ".[0]"],
    ["head", "-n", "*"],
    ["tr", "a?", "b"],
    // file-reading and other denied flags
    ["jq", "-f", "prog.jq"],
    ["jq", "--from-file", "prog.jq"],
    ["jq", "-rf", "prog.jq"],
    ["jq", "-L", "lib", "."],
    ["jq", "-Llib", "."],
    ["jq", "--rawfile", "x", "secret"],
    ["jq", "--slurpfile", "x", "secret"],
    ["jq", "--argfile", "x", "secret"],
    ["jq", "--library-path", "lib", "."],
    ["jq", "--args", "."],
    ["wc", "--files0-from", "list"],
    ["wc", "--files0-from=list"],
    ["wc", "--files0"],
    ["tail", "-f"],
    ["tail", "-F"],
    ["uniq", "--group"],
    ["uniq", "--all-repeated=separate"],
    // jq programs that read files or the environment
    ["jq", "-n", "env"],
    ["jq", "-n", "$ENV.HOME"],
    ["jq", "-n", "import \"x\" as $x; $x"],
    ["jq", "-n", "include \"x\"; ."],
    ["jq", "-n", "modulemeta"],
    // unknown flags, abbreviations, values on booleans, missing values
    ["head", "-x"],
    ["head", "-5"],
    ["head", "--lin=5"],
    ["wc", "--lines=1"],
    ["head", "-n"],
    ["head", "--lines"],
    ["cut", "-d"],
    ["jq", "--arg", "x"],
    ["jq", "--arg=x", "y", "."],
    ["sort"],
    // positional counts
    ["tr"],
    ["tr", "a", "b", "c"],
    ["jq", ".a", ".b"],
    ["head", "x"],
  ];
  for (const argv of cases) assert.equal(isSafeBinUse(argv, at(argv), linux), false, JSON.stringify(argv));
});

test("isSafeBinUse: where the binary lives and which bins count", () => {
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/bin/head", linux), true);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/usr/bin/../bin/head", linux), true);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/usr/local/bin/head", linux), false);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/tmp/head", linux), false);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/usr/bin/x/head", linux), false);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "head", linux), false);
  assert.equal(isSafeBinUse(["head", "-n", "1"], undefined, linux), false);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/usr/bin/head", { platform: "win32" }), false);
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/opt/bin/head", { ...linux, trustedDirs: ["/opt/bin/"] }), true);
  assert.equal(isSafeBinUse(["sort", "-r"], "/usr/bin/sort", linux), false, "sort is not a default safe bin");
  assert.equal(isSafeBinUse(["sort", "-rn", "-k", "2"], "/usr/bin/sort", { ...linux, safeBins: ["sort"] }), true);
  assert.equal(isSafeBinUse(["sort", "-o", "out"], "/usr/bin/sort", { ...linux, safeBins: ["sort"] }), false);
  assert.equal(isSafeBinUse(["sort", "--compress-program=sh"], "/usr/bin/sort", { ...linux, safeBins: ["sort"] }), false);
  assert.equal(isSafeBinUse(["grep", "-i", "-e", "x"], "/usr/bin/grep", { ...linux, safeBins: ["grep"] }), true);
  assert.equal(isSafeBinUse(["grep", "-r", "-e", "x"], "/usr/bin/grep", { ...linux, safeBins: ["grep"] }), false);
  assert.equal(isSafeBinUse(["grep", "x"], "/usr/bin/grep", { ...linux, safeBins: ["grep"] }), false);
  assert.equal(isSafeBinUse(["cat"], "/usr/bin/cat", { ...linux, safeBins: ["cat"] }), false, "no profile, no safe bin");
  assert.equal(isSafeBinUse(["head", "-n", "1"], "/usr/bin/head", { ...linux, safeBins: ["jq"] }), false);
});

test("isSafeBinUse: `$` only matters in shell text", () => {
  assert.equal(isSafeBinUse(["jq", "--arg", "x", "y", ".a == $x"], "/usr/bin/jq", linux), true);
  assert.equal(isSafeBinUse(["jq", "--arg", "x", "y", ".a == $x"], "/usr/bin/jq", { ...linux, shellText: true }), false);
  assert.equal(isSafeBinUse(["head", "-n", "$N"], "/usr/bin/head", { ...linux, shellText: true }), false);
  assert.equal(isSafeBinUse(["jq", "$F"], "/usr/bin/jq", { ...linux, shellText: true }), false);
});
