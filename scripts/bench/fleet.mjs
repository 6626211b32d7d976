// One gateway (ours, its own process) holding N simulated nodes (fleet-sim.mjs, another process, real
// signed handshakes): gateway RSS, node.invoke p99 to random nodes from an operator (this process),
// then a gateway restart: time until every node is re-admitted and connection attempts per second.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { freePort, log, nowMs, operator, prePair, nodeSurface, round, rssMb, sleep, startOurGateway, summary, tempDir, runStandalone, REPO } from "./lib.mjs";

export async function measureFleet({ nodes: N = 5000, invokes = 3000, inFlight = 8, tickMs = 2000, holdMs = 6000, fillTimeoutMs = 120_000, readmitTimeoutMs = 120_000 } = {}) {
  // a short tick interval (default 30 s) so the held fleet really receives ticks during the measurement
  const gwArgs = ["--tick-interval", String(tickMs)];
  const gwDir = tempDir();
  const port = await freePort();
  log(`fleet: generating and pre-pairing ${N} identities`);
  let t = nowMs();
  const paired = await prePair(gwDir, N);
  const { NODE_CAPS, NODE_COMMANDS } = await nodeSurface();
  const idFile = join(tempDir(), "fleet.json");
  writeFileSync(idFile, JSON.stringify({ caps: NODE_CAPS, commands: NODE_COMMANDS, nodes: paired.map((p) => ({ deviceId: p.identity.deviceId, publicKey: p.identity.publicKey, privateKeyPem: p.identity.privateKeyPem, token: p.token, displayName: p.displayName })) }));
  const res = { nodes: N, prepareS: round((nowMs() - t) / 1000, 1) };

  let gw = await startOurGateway(gwDir, port, gwArgs);
  const sim = spawn(process.execPath, [join(REPO, "scripts/bench/fleet-sim.mjs"), `ws://127.0.0.1:${port}`, idFile], { stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true });
  const simExited = new Promise((r) => sim.once("exit", r));
  const waitMsg = (type, ms) =>
    new Promise((resolve, reject) => {
      const to = setTimeout(() => { sim.off("message", on); reject(new Error(`fleet-sim: no ${type} within ${ms} ms`)); }, ms);
      const on = (m) => { if (m.type === type) { clearTimeout(to); sim.off("message", on); resolve(m); } };
      sim.on("message", on);
    });
  const stats = async () => { const p = waitMsg("stats", 10_000); sim.send({ cmd: "stats" }); return p; };
  let peakRss = 0;
  let sampler;
  const sample = () => { peakRss = Math.max(peakRss, rssMb(gw.pid)); };
  try {
    await waitMsg("ready", 30_000);
    log(`fleet: connecting ${N} nodes`);
    sampler = setInterval(sample, 250);
    t = nowMs();
    const admitted = waitMsg("admitted", fillTimeoutMs);
    sim.send({ cmd: "connect", concurrency: 200 });
    await admitted.catch(async (e) => { const s = await stats(); throw new Error(`${e.message}; sim stats ${JSON.stringify(s)}`); });
    res.fillS = round((nowMs() - t) / 1000, 1);
    log(`fleet: ${N} admitted in ${res.fillS} s; holding ${holdMs / 1000} s (ticks every ${tickMs} ms)`);
    await sleep(holdMs);
    res.gatewayRssMb = { held: round(rssMb(gw.pid), 1) };
    log(`fleet: invoking (${invokes} × system.which to random nodes, ${inFlight} in flight)`);
    const op = await operator(port);
    const lat = [];
    let i = 0;
    let errors = 0;
    const worker = async () => {
      while (i < invokes) {
        i++;
        const p = paired[Math.floor(Math.random() * N)];
        const t0 = nowMs();
        try {
          await op.call("node.invoke", { nodeId: p.identity.deviceId, command: "system.which", params: { bins: ["sh"] }, idempotencyKey: randomUUID(), timeoutMs: 10_000 });
          lat.push(nowMs() - t0);
        } catch { errors++; }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    op.close();
    res.invokeMs = { ...summary(lat), errors, inFlight };
    sample();
    res.gatewayRssMb = { ...res.gatewayRssMb, afterInvokes: round(rssMb(gw.pid), 1), peak: round(peakRss, 1) };

    log(`fleet: restarting the gateway with ${N} nodes connected`);
    const tKill = Date.now();
    sim.send({ cmd: "mark", at: tKill });
    const readmitted = waitMsg("admitted", readmitTimeoutMs);
    await gw.stop(10_000);
    const tDown = Date.now();
    gw = await startOurGateway(gwDir, port, gwArgs);
    const tUp = Date.now();
    peakRss = 0;
    const done = await readmitted.catch(async (e) => { const s = await stats(); throw new Error(`${e.message}; sim stats ${JSON.stringify({ ...s, attemptsPerSec: undefined, admitsPerSec: undefined })}`); });
    const s = await stats();
    const peak = s.attemptsPerSec.reduce((a, [sec, n]) => (n > a.n ? { sec, n } : a), { sec: -1, n: 0 });
    res.restart = {
      allReadmittedS: round((done.at - tKill) / 1000, 1),
      afterListeningS: round((done.at - tUp) / 1000, 1),
      oldGatewayExitS: round((tDown - tKill) / 1000, 2),
      newGatewayListeningS: round((tUp - tKill) / 1000, 2),
      peakAttemptsPerSec: peak.n,
      peakAtS: peak.sec,
      attemptsTotal: s.attemptsPerSec.reduce((a, [, n]) => a + n, 0),
      attemptsPerSec: s.attemptsPerSec.map(([, n]) => n),
      admitsPerSec: s.admitsPerSec.map(([, n]) => n),
      connectErrors: s.connectErrors,
      gatewayRssMb: round(Math.max(peakRss, rssMb(gw.pid)), 1),
    };
    res.sim = { ticksReceived: s.ticks, tickMs, invokesAnswered: s.invokes, rssMb: s.rssMb };
  } finally {
    clearInterval(sampler);
    try { sim.send({ cmd: "exit" }); } catch {}
    await Promise.race([simExited, sleep(3000)]);
    try { process.kill(-sim.pid, "SIGKILL"); } catch {}
    await gw.stop();
  }
  return res;
}

await runStandalone(import.meta.url, () => measureFleet({ nodes: Number(process.env.FLEET_NODES ?? 5000) }));
