// Node-host figures, with our gateway and our node host as separate processes and a timestamping
// WebSocket proxy (lib.mjs startProxy) between them:
//   - `openclaw node run` spawn → hello-ok (already paired): spawn time vs the proxy seeing hello-ok pass
//   - node host RSS after 60 s idle, connected: VmRSS of the node process (and any children)
//   - node-side node.invoke.request → node.invoke.result, system.which and system.run `echo hi` (allowlisted):
//     proxy timestamps of the request passing towards the node and of the result arriving from it, so the
//     figure is the node's own time plus one loopback hop each way (the proxy→node ping RTT is reported too).
import { randomUUID } from "node:crypto";
import { freePort, log, nowMs, operator, prePair, round, rssMb, sleep, startOurGateway, startOurNode, startProxy, summary, tempDir, treeRssMb, writeNodeState, runStandalone } from "./lib.mjs";

export async function measureNodeHost({ startRuns = 7, idleMs = 60_000, whichRuns = 300, echoRuns = 60, duringIdle } = {}) {
  const gwDir = tempDir();
  const nodeDir = tempDir();
  const port = await freePort();
  const [paired] = await prePair(gwDir, 1, { displayName: () => "bench-node" });
  const gw = await startOurGateway(gwDir, port);
  const proxy = await startProxy(port);
  await writeNodeState(nodeDir, paired, proxy.port);
  const res = {};
  try {
    // 1. spawn → hello-ok (first run warms the page cache and is not counted)
    log(`node run → hello-ok: ${startRuns} runs (+1 warm-up)`);
    const starts = [];
    let node;
    for (let i = 0; i <= startRuns; i++) {
      const hello = proxy.nextHello(30_000);
      const t0 = nowMs();
      node = startOurNode(nodeDir, proxy.port);
      const t1 = await hello;
      if (i > 0) starts.push(t1 - t0);
      if (i < startRuns) {
        await node.waitFor(/connected to/, 10_000);
        await node.stop();
      }
    }
    res.startToHelloMs = summary(starts, 1);

    // 2. RSS after 60 s idle (connected); cheap independent work may run meanwhile (other processes)
    log(`node host RSS: idling ${idleMs / 1000} s`);
    await node.waitFor(/connected to/, 10_000);
    const idleStart = Date.now();
    const rssAtConnect = rssMb(node.pid);
    const side = duringIdle ? await duringIdle() : undefined;
    await sleep(Math.max(0, idleMs - (Date.now() - idleStart)));
    const tree = treeRssMb(node.pid);
    res.idleRss = { mb: tree.total, atConnectMb: round(rssAtConnect, 1), processes: tree.per.length, idleS: round((Date.now() - idleStart) / 1000, 1) };
    if (!/connected to/.test(node.out()) || /reconnecting/.test(node.out())) throw new Error(`node not connected during idle:\n${node.out()}`);

    // 3./4. node-side invoke times (operator straight to the gateway; node behind the proxy)
    const op = await operator(port);
    const invoke = (command, params) => op.call("node.invoke", { nodeId: paired.identity.deviceId, command, params, idempotencyKey: randomUUID(), timeoutMs: 10_000 });
    log(`node-side system.which: ${whichRuns} invokes (+30 warm-up)`);
    for (let i = 0; i < 30; i++) await invoke("system.which", { bins: ["sh"] });
    proxy.takeResults();
    for (let i = 0; i < whichRuns; i++) await invoke("system.which", { bins: ["sh"] });
    res.nodeWhichMs = summary(proxy.takeResults().map((r) => r.ms));
    log(`node-side system.run echo hi: ${echoRuns} invokes (+5 warm-up)`);
    const first = await invoke("system.run", { command: ["echo", "hi"] });
    const p = first?.payload ?? (first?.payloadJSON ? JSON.parse(first.payloadJSON) : first);
    if (!JSON.stringify(p).includes("hi")) throw new Error(`system.run echo hi did not run: ${JSON.stringify(first)}`);
    for (let i = 0; i < 4; i++) await invoke("system.run", { command: ["echo", "hi"] });
    proxy.takeResults();
    for (let i = 0; i < echoRuns; i++) await invoke("system.run", { command: ["echo", "hi"] });
    res.nodeEchoMs = summary(proxy.takeResults().map((r) => r.ms));
    op.close();
    // transport share: WebSocket ping RTT proxy ↔ node (answered by ws inside the node process)
    const down = proxy.state.lastDown;
    const rtts = [];
    if (down) {
      for (let i = 0; i < 50; i++) {
        const t0 = nowMs();
        await new Promise((r, j) => { const t = setTimeout(() => j(new Error("no pong")), 5000); down.once("pong", () => { clearTimeout(t); r(); }); down.ping(); });
        rtts.push(nowMs() - t0);
      }
    }
    res.proxyNodePingRttMs = rtts.length ? summary(rtts) : null;
    res.sideResults = side;
    await node.stop();
  } finally {
    await proxy.close();
    await gw.stop();
  }
  return res;
}

await runStandalone(import.meta.url, () => measureNodeHost({ idleMs: Number(process.env.IDLE_MS ?? 60_000) }));
