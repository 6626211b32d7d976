import { test } from "node:test";
import assert from "node:assert/strict";
import { buildChildEnv, isDangerousEnvKey, isSecretEnvKey } from "./env.js";

const host = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/u",
  LANG: "C.UTF-8",
  NODE_OPTIONS: "--require /tmp/evil.js",
  LD_PRELOAD: "/tmp/evil.so",
  ld_library_path: "/tmp",
  DYLD_INSERT_LIBRARIES: "x",
  BASH_FUNC_foo: "() { :; }",
  PYTHONPATH: "/tmp",
  GLIBC_TUNABLES: "x",
  "BAD-KEY": "1",
  OPENCLAW_GATEWAY_TOKEN: "tok",
  OPENCLAW_GATEWAY_PASSWORD: "pw",
  OPENCLAW_BROWSER_SECRET: "s",
  OPENCLAW_API_TOKEN_FILE: "/x",
  OPENCLAW_STATE_DIR: "/state",
  SHELL: "/bin/bash",
  UNDEFINED_ONE: undefined,
};

test("buildChildEnv: inherited env drops hooks, bad keys and the node's secrets", () => {
  const r = buildChildEnv(host, undefined, { shellWrapper: false });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.env, { PATH: "/usr/bin:/bin", HOME: "/home/u", LANG: "C.UTF-8", OPENCLAW_STATE_DIR: "/state", SHELL: "/bin/bash" });
});

test("buildChildEnv: allowed overrides are applied", () => {
  const r = buildChildEnv(host, { FOO: "bar", LANG: "de_DE.UTF-8" }, { shellWrapper: false });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.env.FOO, "bar");
  assert.equal(r.env.LANG, "de_DE.UTF-8");
  assert.equal(r.env.PATH, "/usr/bin:/bin");
});

test("buildChildEnv: a __proto__ override stays an ordinary key", () => {
  const r = buildChildEnv({}, JSON.parse('{"__proto__":"x"}') as Record<string, unknown>, { shellWrapper: false });
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(Object.entries(r.env), [["__proto__", "x"]]);
});

const rejections: [string, Record<string, unknown>, boolean, string][] = [
  ["PATH", { PATH: "/tmp" }, false, "blocked override keys: PATH"],
  ["sorted, upper-cased", { path: "/tmp", NODE_OPTIONS: "x", LD_PRELOAD: "y" }, false, "blocked override keys: LD_PRELOAD, NODE_OPTIONS, PATH"],
  ["HOME ZDOTDIR SHELL", { HOME: "/", ZDOTDIR: "/", SHELL: "/bin/sh" }, false, "blocked override keys: HOME, SHELL, ZDOTDIR"],
  ["prefixes", { dyld_x: "1", BASH_FUNC_f: "1" }, false, "blocked override keys: BASH_FUNC_F, DYLD_X"],
  ["java and git hooks", { JAVA_TOOL_OPTIONS: "x", GIT_SSH_COMMAND: "x" }, false, "blocked override keys: GIT_SSH_COMMAND, JAVA_TOOL_OPTIONS"],
  ["non-portable", { "A-B": "1", "1X": "2" }, false, "invalid non-portable override keys: 1X, A-B"],
  ["both clauses", { PATH: "/", "A B": "1" }, false, "blocked override keys: PATH; invalid non-portable override keys: A B"],
  ["non-string value", { FOO: 1 }, false, "non-string override values: FOO"],
  ["shell wrapper: other keys", { FOO: "1", TERM: "xterm" }, true, "blocked override keys: FOO"],
];

for (const [name, overrides, shellWrapper, clause] of rejections) {
  test(`buildChildEnv rejects: ${name}`, () => {
    const r = buildChildEnv(host, overrides, { shellWrapper });
    assert.deepEqual(r, { ok: false, message: `SYSTEM_RUN_DENIED: environment override rejected (${clause})` });
  });
}

test("buildChildEnv: shell wrappers accept TERM, LANG, LC_*, COLORTERM, NO_COLOR, FORCE_COLOR", () => {
  const overrides = { TERM: "xterm", LANG: "C", LC_ALL: "C", LC_TIME: "C", COLORTERM: "1", NO_COLOR: "1", FORCE_COLOR: "1" };
  const r = buildChildEnv(host, overrides, { shellWrapper: true });
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.env.LC_TIME, "C");
});

test("key classification", () => {
  assert.equal(isDangerousEnvKey("ld_preload"), true);
  assert.equal(isDangerousEnvKey("IFS"), true);
  assert.equal(isDangerousEnvKey("LDFLAGS"), false);
  assert.equal(isSecretEnvKey("OPENCLAW_GATEWAY_TOKEN"), true);
  assert.equal(isSecretEnvKey("OPENCLAW_X_PASSWORD_Y"), true);
  assert.equal(isSecretEnvKey("OPENCLAW_STATE_DIR"), false);
  for (const key of ["GITHUB_TOKEN", "aws_secret_access_key", "OPENAI_API_KEY", "DB_PASSWORD", "SIGNING_PRIVATE_KEY"]) {
    assert.equal(isSecretEnvKey(key), true, key);
  }
  for (const key of ["TOKENIZERS_PARALLELISM", "KEYBOARD", "SECRETARY", "PATH"]) assert.equal(isSecretEnvKey(key), false, key);
});

test("inherited credentials are not passed on, but a request may set one explicitly", () => {
  const r = buildChildEnv({ PATH: "/usr/bin", GITHUB_TOKEN: "ghp_x", OPENAI_API_KEY: "sk" }, { GITHUB_TOKEN: "given" }, { shellWrapper: false });
  assert.equal(r.ok, true);
  if (r.ok) assert.deepEqual(r.env, { PATH: "/usr/bin", GITHUB_TOKEN: "given" });
});

test("overrides that pick programs, proxies or trust roots are refused", () => {
  for (const key of ["EDITOR", "HTTPS_PROXY", "SSL_CERT_FILE", "GIT_DIR", "npm_config_registry", "GIT_ASKPASS", "PYTHONSTARTUP"]) {
    const r = buildChildEnv({}, { [key]: "x" }, { shellWrapper: false });
    assert.equal(r.ok, false, key);
  }
});
