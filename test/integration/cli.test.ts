// The operator CLI as a user runs it: the built bin/openclaw in a child process against a real gateway.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Fixture, TOKEN, FULL_ACCESS, runCli } from "../helpers.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import type { NodeHost } from "../../src/node-host/node-host.js";

let f: Fixture;
let gw: Gateway;
let node: NodeHost;

before(async () => {
  f = new Fixture();
  gw = await f.gateway();
  node = await f.pairedNode(gw, { approvals: FULL_ACCESS, displayName: "ci-box" });
});
after(async () => f.close());

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { HOME: f.dir(), OPENCLAW_GATEWAY_URL: gw.url(), OPENCLAW_GATEWAY_TOKEN: TOKEN, ...env });
}

test("nodes list --json prints one JSON document with the node", async () => {
  const r = await cli(["nodes", "list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { nodes: { nodeId: string; displayName: string; connected: boolean }[] };
  assert.equal(doc.nodes[0]?.nodeId, node.deviceId);
  assert.equal(doc.nodes[0]?.displayName, "ci-box");
  assert.equal(doc.nodes[0]?.connected, true);
});

test("nodes list prints a table", async () => {
  const r = await cli(["nodes", "list"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^NODE\s+ID\s+PLATFORM\s+STATUS/);
  assert.match(r.stdout, /ci-box\s+\w{12}\s+linux\s+connected\s+approved/);
});

test("nodes run passes stdout, stderr and the exit code through", async () => {
  const r = await cli(["nodes", "run", "--node", "ci-box", "--", "sh", "-c", "echo out; echo err >&2; exit 7"]);
  assert.equal(r.code, 7);
  assert.equal(r.stdout, "out\n");
  assert.equal(r.stderr, "err\n");
  const byPrefix = await cli(["nodes", "run", "--node", node.deviceId.slice(0, 8), "--raw", "echo $((6*7))"]);
  assert.equal(byPrefix.stdout, "42\n", byPrefix.stderr);
});

test("nodes run with a command timeout exits 124", async () => {
  const r = await cli(["nodes", "run", "--node", "ci-box", "--command-timeout", "300", "--", "sleep", "5"]);
  assert.equal(r.code, 124);
  assert.match(r.stderr, /timed out/);
});

test("an unknown --node is an error that lists the candidates", async () => {
  const r = await cli(["nodes", "run", "--node", "nope", "--", "true"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no node matches "nope"/);
  assert.match(r.stderr, /ci-box/);
});

test("errors in --json mode are JSON on stdout", async () => {
  const r = await cli(["nodes", "describe", "--node", "nope", "--json"]);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { ok: boolean; error: { message: string } };
  assert.equal(doc.ok, false);
  assert.match(doc.error.message, /no node matches/);
});

test("a wrong token and an unreachable gateway say what to do", async () => {
  const bad = await cli(["nodes", "list"], { OPENCLAW_GATEWAY_TOKEN: "wrong" });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /gateway token mismatch/);
  const down = await cli(["nodes", "list", "--url", "ws://127.0.0.1:1"]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach the gateway at ws:\/\/127\.0\.0\.1:1.*openclaw gateway run/);
});

test("devices list shows the node as paired via join code", async () => {
  const r = await cli(["devices", "list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { paired: { deviceId: string; approvedVia: string; tokens: unknown[] }[] };
  assert.equal(doc.paired[0]?.approvedVia, "bootstrap");
  assert.equal(JSON.stringify(doc).includes((node as unknown as { config: { token: string } }).config.token), false, "device tokens are never listed");
});
