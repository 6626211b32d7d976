// A fleet of simulated node hosts in ONE process (forked by fleet.mjs, IPC-controlled): each holds a
// WebSocket to the gateway with a real Ed25519-signed connect (the node host's own payload builder,
// dist/src/protocol/device-auth.js, and its connect params), answers node.invoke.request with a
// node.invoke.result, feeds on ticks/pings (ws answers pings), and after a disconnect reconnects with the
// node host's own jittered back-off (dist/src/shared/backoff.js, the GatewayClient defaults 1 s → 30 s).
// Messages in: {cmd:"connect", concurrency} | {cmd:"mark"} | {cmd:"stats"} | {cmd:"exit"}.
// Messages out: {type:"admitted", n, ms} | {type:"stats", ...} | {type:"log", msg}.
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { DIST } from "./lib.mjs";

const { buildPayloadV3 } = await import(join(DIST, "protocol/device-auth.js"));
const { Backoff, restartSpreadDelay } = await import(join(DIST, "shared/backoff.js"));

const [, , url, idFile] = process.argv;
const spec = JSON.parse(readFileSync(idFile, "utf8"));
const RECONNECT = { initialMs: 1000, maxMs: 30_000 }; // GatewayClient defaults
const send = (m) => process.send?.(m);

let admitted = 0;
let attempts = 0;
let ticks = 0;
let invokes = 0;
let markAt = Date.now();
let attemptsPerSec = new Map(); // second since mark → dial attempts
let admitsPerSec = new Map();
let lastAdmitAt = 0;
let connectErrors = new Map();
let target = spec.nodes.length;
let reported = false;
let armed = true; // after a mark: report only once the fleet dropped and came back

class SimNode {
  constructor(n) {
    this.n = n;
    this.key = createPrivateKey(n.privateKeyPem);
    this.backoff = new Backoff(RECONNECT);
    this.connected = false;
  }
  open() {
    attempts++;
    const sec = Math.floor((Date.now() - markAt) / 1000);
    attemptsPerSec.set(sec, (attemptsPerSec.get(sec) ?? 0) + 1);
    let ws;
    try {
      ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 15_000 });
    } catch {
      return this.retry(false);
    }
    this.ws = ws;
    let phase = "challenge";
    let connectId = "";
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (phase === "challenge") {
        if (f.type !== "event" || f.event !== "connect.challenge") return;
        phase = "connect";
        connectId = `c:${Math.random().toString(36).slice(2)}`;
        ws.send(JSON.stringify({ type: "req", id: connectId, method: "connect", params: this.connectParams(f.payload.nonce, typeof f.payload.ts === "number" ? f.payload.ts : Date.now()) }));
        return;
      }
      if (phase === "connect" && f.type === "res" && f.id === connectId) {
        if (f.ok) {
          phase = "ready";
          this.connected = true;
          this.backoff.reset();
          admitted++;
          lastAdmitAt = Date.now();
          const s = Math.floor((lastAdmitAt - markAt) / 1000);
          admitsPerSec.set(s, (admitsPerSec.get(s) ?? 0) + 1);
          if (admitted === target && !reported && armed) {
            reported = true;
            send({ type: "admitted", n: admitted, at: lastAdmitAt });
          }
        } else {
          const c = f.error?.details?.code ?? f.error?.code ?? "?";
          connectErrors.set(c, (connectErrors.get(c) ?? 0) + 1);
        }
        return;
      }
      if (f.type === "event") {
        if (f.event === "tick") ticks++;
        else if (f.event === "node.invoke.request") {
          invokes++;
          const p = f.payload;
          ws.send(JSON.stringify({ type: "req", id: `r:${p.id}`, method: "node.invoke.result", params: { id: p.id, nodeId: p.nodeId, ok: true, payloadJSON: '{"bins":{"sh":"/usr/bin/sh"}}' } }));
        }
      }
    });
    ws.on("error", () => {});
    ws.on("close", (code) => {
      const was = this.connected;
      if (was) admitted--;
      armed = true;
      this.connected = false;
      if (!stopping) this.retry(was && code === 1012);
    });
  }
  // as GatewayClient: the first attempt after a gateway restart (close 1012) is spread out; after that
  // the jittered back-off
  retry(afterRestart) {
    const delay = afterRestart ? restartSpreadDelay(RECONNECT) : this.backoff.next();
    setTimeout(() => this.open(), delay);
  }
  connectParams(nonce, ts) {
    const n = this.n;
    const auth = { deviceToken: n.token };
    const payload = buildPayloadV3({ deviceId: n.deviceId, clientId: "node-host", clientMode: "node", role: "node", scopes: [], signedAtMs: ts, token: n.token, nonce, platform: "linux", deviceFamily: "Linux" });
    return {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: "node-host", displayName: n.displayName, version: "bench-sim", platform: "linux", deviceFamily: "Linux", mode: "node", instanceId: n.deviceId.slice(0, 16) },
      caps: spec.caps,
      commands: spec.commands,
      pathEnv: "/usr/bin:/bin",
      auth,
      role: "node",
      scopes: [],
      device: { id: n.deviceId, publicKey: n.publicKey, signature: sign(null, Buffer.from(payload, "utf8"), this.key).toString("base64url"), signedAt: ts, nonce },
    };
  }
}

let stopping = false;
const nodes = spec.nodes.map((n) => new SimNode(n));

process.on("message", async (m) => {
  if (m.cmd === "connect") {
    // initial fleet fill: at most `concurrency` handshakes outstanding (each node then lives on its own)
    markAt = Date.now();
    const conc = m.concurrency ?? 100;
    let i = 0;
    const pump = () => {
      while (i < nodes.length && attempts - admitted < conc) nodes[i++].open();
      if (i < nodes.length) setTimeout(pump, 5);
    };
    pump();
  } else if (m.cmd === "mark") {
    markAt = m.at ?? Date.now();
    attemptsPerSec = new Map();
    admitsPerSec = new Map();
    connectErrors = new Map();
    reported = false;
    armed = admitted < target;
  } else if (m.cmd === "stats") {
    send({ type: "stats", admitted, attempts, ticks, invokes, lastAdmitAt, markAt, attemptsPerSec: [...attemptsPerSec].sort((a, b) => a[0] - b[0]), admitsPerSec: [...admitsPerSec].sort((a, b) => a[0] - b[0]), connectErrors: Object.fromEntries(connectErrors), rssMb: Math.round(process.memoryUsage().rss / 1048576) });
  } else if (m.cmd === "exit") {
    stopping = true;
    for (const n of nodes) n.ws?.terminate();
    setTimeout(() => process.exit(0), 100);
  }
});
send({ type: "ready" });
