// Shared helpers for `npm run bench` (scripts/bench/*.mjs): statistics, processes (spawned in their own
// process group and always stopped as a whole tree), RSS, free ports, paired state dirs written with the
// project's own modules (dist/), and a logging WebSocket proxy that timestamps frames.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { WebSocket, WebSocketServer } from "ws";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = join(REPO, "dist/src");
export const BIN = join(REPO, "bin/openclaw");
export const TOKEN = "bench-token-0123456789abcdef";
export const REF_SCRIPT = process.env.OPENCLAW_REF_SCRIPT ?? resolve(REPO, "../shared/tools/openclaw-reference.sh");

export const dist = (p) => import(join(DIST, p));

// ---- statistics ----------------------------------------------------------------------------------
export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}
export const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const p99 = (xs) => quantile(xs, 0.99);
export const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
export function summary(xs, d = 3) {
  return { n: xs.length, median: round(median(xs), d), p99: round(p99(xs), d), min: round(Math.min(...xs), d), max: round(Math.max(...xs), d) };
}
export const nowMs = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export function log(...a) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${a.join(" ")}\n`);
}

// ---- temp dirs -----------------------------------------------------------------------------------
const tempDirs = [];
export function tempDir(prefix = "oclite-bench-") {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}
export function cleanupTempDirs() {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

// ---- ports ---------------------------------------------------------------------------------------
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

// ---- processes -------------------------------------------------------------------------------------
const live = new Set();

/**
 * Spawns a command in its own process group (detached), stdout/stderr collected in memory and
 * optionally watched. Returns { child, pid, out(), waitFor(re, ms), stop() }.
 */
export function startProcess(cmd, args, { env = {}, cwd = REPO, stdio = "pipe" } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: stdio === "pipe" ? ["ignore", "pipe", "pipe"] : stdio });
  let text = "";
  const watchers = [];
  const onData = (b) => {
    text += b.toString();
    if (text.length > 2_000_000) text = text.slice(-1_000_000);
    for (const w of [...watchers]) if (w.re.test(text)) w.done();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise((r) => child.once("exit", (code, sig) => r({ code, sig })));
  const h = {
    child,
    pid: child.pid,
    exited,
    out: () => text,
    /** Resolves with the wall time (ms, performance clock) when `re` first matches the output. */
    waitFor(re, ms = 30_000) {
      return new Promise((resolveW, rejectW) => {
        if (re.test(text)) return resolveW(nowMs());
        const w = { re, done: () => { clearTimeout(t); watchers.splice(watchers.indexOf(w), 1); resolveW(nowMs()); } };
        const t = setTimeout(() => {
          watchers.splice(watchers.indexOf(w), 1);
          rejectW(new Error(`${cmd} ${args.join(" ")}: no ${re} within ${ms} ms; output:\n${text.slice(-3000)}`));
        }, ms);
        watchers.push(w);
        exited.then(({ code, sig }) => {
          if (watchers.includes(w)) { clearTimeout(t); watchers.splice(watchers.indexOf(w), 1); rejectW(new Error(`${cmd} exited (${code ?? sig}) before ${re}; output:\n${text.slice(-3000)}`)); }
        });
      });
    },
    stop: (graceMs = 5000) => stopTree(h, graceMs),
  };
  live.add(h);
  exited.then(() => live.delete(h));
  return h;
}

/** Descendant pids of `pid` (from /proc/<pid>/task/<tid>/children). */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let tids = [];
    try { tids = readdirSync(`/proc/${p}/task`); } catch { return; }
    for (const t of tids) {
      let kids = "";
      try { kids = readFileSync(`/proc/${p}/task/${t}/children`, "utf8"); } catch { continue; }
      for (const k of kids.trim().split(/\s+/).filter(Boolean).map(Number)) { out.push(k); walk(k); }
    }
  };
  walk(pid);
  return out;
}

/** SIGTERM the process group and every descendant, SIGKILL what is left after `graceMs`. */
export async function stopTree(h, graceMs = 5000) {
  const pids = [h.pid, ...descendants(h.pid)];
  const signal = (sig) => {
    try { process.kill(-h.pid, sig); } catch {}
    for (const p of pids) { try { process.kill(p, sig); } catch {} }
  };
  signal("SIGTERM");
  const end = Date.now() + graceMs;
  while (Date.now() < end && pids.some(alive)) await sleep(50);
  if (pids.some(alive)) { signal("SIGKILL"); await sleep(100); }
  await Promise.race([h.exited, sleep(1000)]);
}
function alive(pid) {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8")); } catch { return false; }
}
export async function stopAll() {
  await Promise.all([...live].map((h) => stopTree(h, 3000)));
}

/**
 * When `moduleUrl` is the script node was started with: runs `measure`, prints its JSON, then stops every
 * process it started and removes its temp dirs (so each figure group can run on its own).
 */
export async function runStandalone(moduleUrl, measure) {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? "").href) return;
  try {
    console.log(JSON.stringify(await measure(), null, 2));
  } finally {
    await stopAll();
    cleanupTempDirs();
  }
}

/** Runs a command to completion; returns { code, ms, out }. */
export function runTimed(cmd, args, { env = {}, cwd = REPO } = {}) {
  return new Promise((res) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    child.once("exit", (code) => res({ code, ms: nowMs() - t0, out }));
  });
}

/** VmRSS of one pid, in MB (0 when gone). */
export function rssMb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch { return 0; }
}
/** Sum of VmRSS over a process and its descendants, in MB, with the per-process list. */
export function treeRssMb(pid) {
  const pids = [pid, ...descendants(pid)];
  const per = pids.map((p) => ({ pid: p, mb: round(rssMb(p), 1) }));
  return { total: round(per.reduce((a, b) => a + b.mb, 0), 1), per };
}

// ---- our gateway and paired nodes --------------------------------------------------------------------
export const ALLOW_ECHO = { version: 1, defaults: { security: "allowlist", ask: "off" }, agents: { "*": { allowlist: [{ pattern: "/usr/bin/echo" }, { pattern: "/bin/echo" }] } } };

/** `openclaw gateway run` as a separate process; resolves once it logs "listening on". */
export async function startOurGateway(stateDir, port, extraArgs = [], env = {}) {
  const h = startProcess(process.execPath, [BIN, "gateway", "run", "--port", String(port), "--bind", "loopback", "--token", TOKEN, ...extraArgs], {
    env: { OPENCLAW_STATE_DIR: stateDir, OPENCLAW_CONFIG_PATH: join(stateDir, "openclaw.json"), ...env },
  });
  await h.waitFor(/listening on/, 60_000);
  return h;
}

/**
 * Pairs `count` fresh identities in the gateway state dir (devices/paired.json, written once, in the
 * format the gateway's own PairingStore writes) — done while the gateway is stopped.
 * Returns [{ identity, token }].
 */
export async function prePair(gwStateDir, count, { displayName = (i) => `bench-${i}` } = {}) {
  const { PairingStore } = await dist("gateway/pairing-store.js");
  const { generateDeviceKeyPair } = await dist("protocol/device-auth.js");
  const { NODE_CAPS, NODE_COMMANDS } = await nodeSurface();
  const store = new PairingStore(gwStateDir);
  const save = store.savePaired;
  store.savePaired = () => {}; // one write at the end instead of one per device
  const out = [];
  for (let i = 0; i < count; i++) {
    const identity = generateDeviceKeyPair();
    const rec = store.approveDevice(
      {
        deviceId: identity.deviceId,
        publicKey: identity.publicKey,
        displayName: displayName(i),
        platform: "linux",
        deviceFamily: "Linux",
        clientId: "node-host",
        clientMode: "node",
        role: "node",
        roles: ["node"],
        scopes: [],
        surface: { caps: NODE_CAPS, commands: NODE_COMMANDS, version: "bench" },
      },
      "owner",
    );
    out.push({ identity, token: rec.tokens.node.token, displayName: displayName(i) });
  }
  store.savePaired = save;
  store.savePaired();
  if (typeof store.flush === "function") store.flush();
  return out;
}

/** The node host's declared surface, from the build (so the pre-paired surface matches what it declares). */
export async function nodeSurface() {
  const { NODE_CAPS, NODE_COMMANDS } = await dist("node-host/node-host.js");
  return { NODE_CAPS, NODE_COMMANDS };
}

/** Writes a node state dir (identity/device.json, node.json with the device token, exec approvals). */
export async function writeNodeState(nodeDir, { identity, token, displayName }, port, approvals = ALLOW_ECHO) {
  const { writeJsonAtomic } = await dist("shared/fs-atomic.js");
  writeJsonAtomic(join(nodeDir, "identity", "device.json"), {
    version: 1,
    deviceId: identity.deviceId,
    publicKeyPem: identity.publicKeyPem,
    privateKeyPem: identity.privateKeyPem,
    createdAtMs: Date.now(),
  });
  writeJsonAtomic(join(nodeDir, "node.json"), { version: 1, nodeId: `bench-${identity.deviceId.slice(0, 8)}`, token, displayName, gateway: { host: "127.0.0.1", port, tls: false } });
  writeJsonAtomic(join(nodeDir, "exec-approvals.json"), approvals);
}

/** `openclaw node run` (ours) as a separate process. */
export function startOurNode(nodeDir, port) {
  return startProcess(process.execPath, [BIN, "node", "run", "--host", "127.0.0.1", "--port", String(port)], {
    env: { OPENCLAW_STATE_DIR: nodeDir, OPENCLAW_CONFIG_PATH: join(nodeDir, "openclaw.json"), OPENCLAW_GATEWAY_TOKEN: "" },
  });
}

export async function operator(port, url = `ws://127.0.0.1:${port}`) {
  const { OperatorClient } = await dist("cli/rpc.js");
  return OperatorClient.connect({ url, token: TOKEN, timeoutMs: 30_000 }, ["operator.admin", "operator.read", "operator.write"]);
}

// ---- timestamping WebSocket proxy ----------------------------------------------------------------
/**
 * A WebSocket proxy between node hosts and a gateway (loopback). Records, per connection, when the
 * gateway's hello-ok passes, and for every invoke the time from the gateway's `node.invoke.request`
 * (as it passes the proxy towards the node) to the node's `node.invoke.result` (as it arrives from the node).
 */
export async function startProxy(upstreamPort) {
  const port = await freePort();
  const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  const state = { port, hellos: [], invokes: new Map(), results: [], helloWaiters: [], sockets: new Set() };
  wss.on("connection", (down) => {
    const up = new WebSocket(`ws://127.0.0.1:${upstreamPort}`, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    state.sockets.add(down).add(up);
    state.lastDown = down;
    const queue = [];
    up.on("open", () => { for (const m of queue.splice(0)) up.send(m); });
    down.on("message", (data, isBinary) => {
      const t = nowMs();
      const text = data.toString();
      if (text.includes("node.invoke.result")) {
        try {
          const f = JSON.parse(text);
          if (f.method === "node.invoke.result") {
            const t0 = state.invokes.get(f.params.id);
            if (t0 !== undefined) { state.results.push({ id: f.params.id, ms: t - t0 }); state.invokes.delete(f.params.id); }
          }
        } catch {}
      }
      const m = isBinary ? data : text;
      if (up.readyState === WebSocket.OPEN) up.send(m); else queue.push(m);
    });
    up.on("message", (data, isBinary) => {
      const text = data.toString();
      const t = nowMs();
      if (down.readyState === WebSocket.OPEN) down.send(isBinary ? data : text);
      if (text.includes("hello-ok")) {
        try {
          const f = JSON.parse(text);
          if (f.type === "res" && f.ok && f.payload?.type === "hello-ok") {
            state.hellos.push(t);
            for (const w of state.helloWaiters.splice(0)) w(t);
          }
        } catch {}
      } else if (text.includes("node.invoke.request")) {
        try {
          const f = JSON.parse(text);
          if (f.event === "node.invoke.request") state.invokes.set(f.payload.id, t);
        } catch {}
      }
    });
    const closeBoth = () => { try { up.close(); } catch {} try { down.close(); } catch {} };
    up.on("close", closeBoth);
    down.on("close", closeBoth);
    up.on("error", () => down.terminate());
    down.on("error", () => up.terminate());
  });
  await new Promise((r) => wss.once("listening", r));
  return {
    port,
    state,
    /** Resolves with the timestamp of the next hello-ok that passes. */
    nextHello(ms = 60_000) {
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error("no hello-ok through the proxy")), ms);
        state.helloWaiters.push((ts) => { clearTimeout(t); res(ts); });
      });
    },
    takeResults() { return state.results.splice(0); },
    close() {
      for (const s of state.sockets) s.terminate();
      return new Promise((r) => wss.close(() => r()));
    },
  };
}
