import { test } from "node:test";
import assert from "node:assert/strict";
import { explainAgent, explainApprovals } from "./explain.js";
import { normalizeApprovals } from "./normalize.js";

const file = (f: unknown) => normalizeApprovals(f);

test("explainAgent: what happens, per security × ask × askFallback", () => {
  const cases: [string, unknown, string, string][] = [
    ["no file: built-in allowlist/on-miss/deny, nothing allowlisted", undefined, "main",
      "nothing is allowlisted, so every command waits for an operator's approval (openclaw approvals pending); no answer in time → denied (askFallback deny)"],
    ["allowlist + on-miss", { version: 1, agents: { main: { allowlist: ["/usr/bin/ls"] } } }, "main",
      "allowlisted commands run; anything else (and any shell wrapper such as sh -c) waits for an operator's approval (openclaw approvals pending); no answer in time → denied (askFallback deny)"],
    ["allowlist + on-miss, askFallback full is capped", { version: 1, defaults: { askFallback: "full" }, agents: { main: { allowlist: ["/usr/bin/ls"] } } }, "main",
      "allowlisted commands run; anything else (and any shell wrapper such as sh -c) waits for an operator's approval (openclaw approvals pending); no answer in time → denied (askFallback full capped at security allowlist lets only allowlisted commands through)"],
    ["allowlist + off", { version: 1, defaults: { ask: "off" }, agents: { main: { allowlist: ["/usr/bin/ls"] } } }, "main",
      "allowlisted commands run; anything else (and any shell wrapper such as sh -c) is denied without asking (ask off)"],
    ["allowlist with *", { version: 1, defaults: { ask: "off" }, agents: { "*": { allowlist: ["*"] } } }, "ops",
      "every command runs (the allowlist holds *), except a shell wrapper such as sh -c, which is denied without asking (ask off)"],
    ["deny", { version: 1, defaults: { security: "deny", ask: "always" } }, "main", "nothing runs: every command is refused (security deny)"],
    ["full + off", { version: 1, defaults: { security: "full", ask: "off" } }, "main", "every command runs without asking (security full, ask off)"],
    ["full + on-miss", { version: 1, defaults: { security: "full" } }, "main", "every command runs without asking (security full, ask on-miss)"],
    ["full + always + fallback full", { version: 1, defaults: { security: "full", ask: "always", askFallback: "full" } }, "main",
      "every command waits for an operator's approval (openclaw approvals pending), even an allowlisted one; no answer in time → runs anyway (askFallback full)"],
    ["allowlist + always + fallback allowlist", { version: 1, defaults: { ask: "always", askFallback: "allowlist" } }, "main",
      "every command waits for an operator's approval (openclaw approvals pending), even an allowlisted one; no answer in time → runs only if allowlisted (askFallback allowlist)"],
  ];
  for (const [name, f, agent, want] of cases) assert.equal(explainAgent(f === undefined ? undefined : file(f), agent).happens, want, name);
});

test("explainAgent: safe bins are named when the caller says they apply", () => {
  const e = explainAgent(file({ version: 1, agents: { main: { allowlist: ["/usr/bin/ls"] } } }), "main", { safeBins: ["jq", "wc"] });
  assert.match(e.happens, /^allowlisted commands \(and safe bins jq wc\) run;/);
});

test("explainAgent: which level set each knob, and where allowlist entries come from", () => {
  const f = file({
    version: 1,
    defaults: { security: "allowlist", ask: "always" },
    agents: { "*": { ask: "on-miss", allowlist: ["/usr/bin/uname"] }, main: { askFallback: "allowlist", allowlist: ["/usr/bin/ls"] } },
  });
  const main = explainAgent(f, "main");
  assert.deepEqual(main.from, { security: "defaults", ask: "*", askFallback: "agent" });
  assert.equal(main.why, "security allowlist (defaults), ask on-miss (agents.*), askFallback allowlist (agents.main)");
  assert.deepEqual(main.allowlist, [{ pattern: "/usr/bin/uname", from: "*" }, { pattern: "/usr/bin/ls", from: "agent" }]);
  const other = explainAgent(f, "ops");
  assert.deepEqual(other.from, { security: "defaults", ask: "*", askFallback: "built-in" });
  assert.equal(other.askFallback, "deny");
  assert.deepEqual(explainAgent(f, "*").allowlist, [{ pattern: "/usr/bin/uname", from: "*" }]);
  assert.deepEqual(explainAgent(f, "*").from.ask, "*");
});

test("explainApprovals: main first, the file's agents, * last", () => {
  const ids = explainApprovals(file({ version: 1, agents: { ops: {}, "*": {}, main: {}, ci: {} } })).map((e) => e.agentId);
  assert.deepEqual(ids, ["main", "ops", "ci", "*"]);
  assert.deepEqual(explainApprovals(undefined).map((e) => e.agentId), ["main", "*"]);
});
