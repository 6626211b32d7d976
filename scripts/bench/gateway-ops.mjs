// Operator-side figures: our gateway and our node host as separate processes, directly connected.
//   - operator round trip (node.invoke req → res through the gateway), system.run `echo hi` (allowlisted)
//   - `openclaw nodes list` wall time (spawn → exit, real CLI process)
//   - invokes/s through one gateway to one node with 64 in flight, system.which
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { BIN, TOKEN, freePort, log, nowMs, operator, prePair, round, runTimed, startOurGateway, startOurNode, summary, tempDir, writeNodeState, runStandalone, median } from "./lib.mjs";

export async function measureGatewayOps({ rtRuns = 60, cliRuns = 10, tputRuns = 5, tputSeconds = 3, inFlight = 64 } = {}) {
  const gwDir = tempDir();
  const nodeDir = tempDir();
  const cliDir = tempDir();
  const port = await freePort();
  const [paired] = await prePair(gwDir, 1, { displayName: () => "bench-node" });
  const gw = await startOurGateway(gwDir, port);
  await writeNodeState(nodeDir, paired, port);
  const node = startOurNode(nodeDir, port);
  const res = {};
  try {
    await node.waitFor(/connected to/, 15_000);
    const op = await operator(port);
    const invoke = (command, params) => op.call("node.invoke", { nodeId: paired.identity.deviceId, command, params, idempotencyKey: randomUUID(), timeoutMs: 10_000 });

    log(`operator round trip, system.run echo hi: ${rtRuns} (+5 warm-up)`);
    for (let i = 0; i < 5; i++) await invoke("system.run", { command: ["echo", "hi"] });
    const rt = [];
    for (let i = 0; i < rtRuns; i++) {
      const t0 = nowMs();
      await invoke("system.run", { command: ["echo", "hi"] });
      rt.push(nowMs() - t0);
    }
    res.operatorEchoMs = summary(rt);

    log(`openclaw nodes list: ${cliRuns} runs (+1 warm-up)`);
    const cli = [];
    for (let i = 0; i <= cliRuns; i++) {
      const r = await runTimed(process.execPath, [BIN, "nodes", "list", "--url", `ws://127.0.0.1:${port}`, "--json"], {
        env: { OPENCLAW_STATE_DIR: cliDir, OPENCLAW_CONFIG_PATH: join(cliDir, "openclaw.json"), OPENCLAW_GATEWAY_TOKEN: TOKEN },
      });
      if (r.code !== 0 || !r.out.includes(paired.identity.deviceId)) throw new Error(`nodes list failed (${r.code}): ${r.out}`);
      if (i > 0) cli.push(r.ms);
    }
    res.cliNodesListMs = summary(cli, 1);

    log(`throughput: ${tputRuns} × ${tputSeconds} s with ${inFlight} in flight, system.which (+1 s warm-up)`);
    const runFor = async (ms) => {
      let done = 0;
      let errors = 0;
      const end = nowMs() + ms;
      const lat = [];
      const worker = async () => {
        while (nowMs() < end) {
          const t0 = nowMs();
          try { await invoke("system.which", { bins: ["sh"] }); done++; lat.push(nowMs() - t0); } catch { errors++; }
        }
      };
      const t0 = nowMs();
      await Promise.all(Array.from({ length: inFlight }, worker));
      return { perSec: (done / (nowMs() - t0)) * 1000, errors, latMedian: median(lat) };
    };
    await runFor(1000);
    const runs = [];
    for (let i = 0; i < tputRuns; i++) runs.push(await runFor(tputSeconds * 1000));
    res.throughput = { perSec: round(median(runs.map((r) => r.perSec)), 0), runs: runs.map((r) => round(r.perSec, 0)), errors: runs.reduce((a, r) => a + r.errors, 0), latencyMedianMs: round(median(runs.map((r) => r.latMedian)), 2), inFlight };
    op.close();
  } finally {
    await node.stop();
    await gw.stop();
  }
  return res;
}

await runStandalone(import.meta.url, () => measureGatewayOps());
