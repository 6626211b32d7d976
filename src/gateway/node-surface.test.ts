import { test } from "node:test";
import assert from "node:assert/strict";
import { approvableCommands, canonicalNodePlatform, reconcileSurface, requiredApproveScopes } from "./node-surface.js";
import { ADMIN_NODE_COMMANDS } from "../protocol/methods.js";

const approved = { caps: ["system"], commands: ["system.run", "system.which"], createdAtMs: 1, approvedAtMs: 1 };

test("surface reconciliation table", () => {
  const cases: [string[], string[], typeof approved | undefined, string, string[]][] = [
    [["system"], ["system.run"], undefined, "pending-approval", []],
    [["system"], ["system.run"], approved, "approved", ["system.run"]],
    [["system"], ["system.run", "system.which"], approved, "approved", ["system.run", "system.which"]],
    [["system"], ["system.run", "browser.proxy"], approved, "pending-reapproval", ["system.run"]],
    [["system", "browser"], ["system.run"], approved, "pending-reapproval", ["system.run"]],
  ];
  for (const [caps, commands, appr, state, effective] of cases) {
    const r = reconcileSurface(caps, commands, appr);
    assert.equal(r.state, state, JSON.stringify([caps, commands]));
    assert.deepEqual(r.effectiveCommands, effective);
  }
});

test("gateway allowlist withholds unknown, denied and private commands", () => {
  const r = approvableCommands(["system.run", "dir.list", "worker.x.v1", "camera.snap", "system.which"], { allow: [], deny: ["system.which"] });
  assert.deepEqual(r.commands, ["system.run"]);
  assert.deepEqual(r.withheld, ["camera.snap", "dir.list", "system.which", "worker.x.v1"]);
  assert.deepEqual(approvableCommands(["dir.list"], { allow: ["dir.list"], deny: [] }).commands, ["dir.list"]);
});

test("approve scopes and platform canonicalisation", () => {
  assert.deepEqual(requiredApproveScopes([], ADMIN_NODE_COMMANDS), ["operator.pairing"]);
  assert.deepEqual(requiredApproveScopes(["ollama.chat"], ADMIN_NODE_COMMANDS), ["operator.pairing", "operator.write"]);
  assert.deepEqual(requiredApproveScopes(["system.run"], ADMIN_NODE_COMMANDS), ["operator.pairing", "operator.admin"]);
  assert.deepEqual(canonicalNodePlatform("darwin", undefined), { platform: "macos", deviceFamily: "Mac" });
  assert.deepEqual(canonicalNodePlatform("win32", undefined), { platform: "windows", deviceFamily: "Windows" });
  assert.deepEqual(canonicalNodePlatform("freebsd", undefined), { platform: "freebsd" });
});
