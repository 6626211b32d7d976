// End to end with real processes, as a user runs them: `gateway run` (generated token), `nodes
// join-code`, `node run --pair`, `nodes run`, then SIGTERM to both (clean exits, node reconnect after a
// gateway restart is covered in pairing.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { Fixture, eventually, runCli, startCli, type CliProcess } from "../helpers.js";

test("gateway and node host as processes: pair with a join code, run a command, stop cleanly", async () => {
  const f = new Fixture();
  const gwDir = f.dir();
  const nodeDir = f.dir();
  const gw = startCli(["gateway", "run", "--port", "0"], { OPENCLAW_STATE_DIR: gwDir, HOME: gwDir });
  let node: CliProcess | undefined;
  try {
    const url = await eventually(() => /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(gw.stderr)?.[1], 10_000, "gateway listening");
    // the log line after "listening" may arrive in a later chunk
    await eventually(() => /shared token: generated and stored in .*gateway-auth\.json/.test(gw.stderr), 5000, "the generated-token log line");
    assert.equal(statSync(join(gwDir, "gateway-auth.json")).mode & 0o777, 0o600);
    assert.equal(statSync(gwDir).mode & 0o777, 0o700);
    const op = { OPENCLAW_STATE_DIR: gwDir, OPENCLAW_GATEWAY_URL: url, HOME: gwDir };

    const code = await runCli(["nodes", "join-code", "--json"], op);
    assert.equal(code.code, 0, code.stderr);
    const setupCode = (JSON.parse(code.stdout) as { setupCode: string }).setupCode;

    node = startCli(["node", "run", "--pair", setupCode, "--display-name", "proc-node"], { OPENCLAW_STATE_DIR: nodeDir, HOME: nodeDir });
    await eventually(() => /connected to ws:\/\//.test(node!.stderr), 10_000, "node connected");
    for (const file of ["node.json", "identity/device.json"]) assert.equal(statSync(join(nodeDir, file)).mode & 0o777, 0o600, file);
    assert.equal(node.stderr.includes(setupCode), false, "the join code is not logged");

    const list = await runCli(["nodes", "list", "--json"], op);
    const nodes = (JSON.parse(list.stdout) as { nodes: { displayName: string; connected: boolean }[] }).nodes;
    assert.deepEqual(nodes.map((n) => [n.displayName, n.connected]), [["proc-node", true]]);

    // no exec-approvals.json on the node: allowlist + ask on-miss → refused, exit code 126
    const denied = await runCli(["nodes", "run", "--node", "proc-node", "--no-ask", "--", "uname"], op);
    assert.equal(denied.code, 126);
    assert.match(denied.stderr, /SYSTEM_RUN_DENIED: approval required/);

    node.child.kill("SIGTERM");
    assert.equal(await node.exit, 0, node.stderr);
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exit, 0, gw.stderr);
  } finally {
    node?.child.kill("SIGKILL");
    gw.child.kill("SIGKILL");
    await f.close();
  }
});
