#!/usr/bin/env node
// `npm run bench`: measures the issue-7 figures of openclaw-lite (dist/ must be built: `npm run build`),
// the machine's spawn floor, and — when ../shared/tools/openclaw-reference.sh has the real OpenClaw
// installed — the first six figures for it side by side. Prints one table; writes bench-results.json.
//   node scripts/bench/run.mjs [--no-reference] [--fleet-nodes N] [--idle-s S] [--out FILE]
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem, release, platform } from "node:os";
import { join } from "node:path";
import { REPO, log, round, stopAll, cleanupTempDirs, tempDir } from "./lib.mjs";
import { measureFloor } from "./floor.mjs";
import { measureSize } from "./size.mjs";
import { measureNodeHost } from "./node-host.mjs";
import { measureGatewayOps } from "./gateway-ops.mjs";
import { measureFleet } from "./fleet.mjs";
import { referenceMissing } from "./reference.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const fleetNodes = Number(opt("--fleet-nodes", 5000));
const idleMs = Number(opt("--idle-s", 60)) * 1000;
const outFile = opt("--out", join(REPO, "bench-results.json"));
const LOCK = "/tmp/openclaw-lite-interop.lock"; // the interop suite's lock (scripts/interop/run-all.sh)

if (!existsSync(join(REPO, "dist/src/cli/main.js"))) { console.error("no build: run `npm run build` first"); process.exit(2); }

const t0 = Date.now();
const machine = {
  cpu: cpus()[0]?.model ?? "?",
  cores: cpus().length,
  memGB: round(totalmem() / 2 ** 30, 1),
  os: `${platform()} ${release()}`,
  node: process.version,
};
log(`machine: ${machine.cores} × ${machine.cpu}, ${machine.memGB} GB, ${machine.os}, Node ${machine.node}`);

function runReference() {
  const missing = referenceMissing();
  if (flag("--no-reference")) return Promise.resolve({ skipped: "--no-reference" });
  if (missing) return Promise.resolve({ skipped: missing });
  const out = join(tempDir(), "reference.json");
  log(`reference: waiting for ${LOCK} (one real OpenClaw at a time on this machine)`);
  return new Promise((resolve) => {
    const child = spawn("flock", ["-w", "900", LOCK, process.execPath, join(REPO, "scripts/bench/reference.mjs"), out], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, IDLE_MS: String(idleMs) } });
    child.once("exit", (code) => {
      try { resolve(JSON.parse(readFileSync(out, "utf8"))); } catch { resolve({ error: `reference run exited ${code} without results (lock busy for 900 s?)` }); }
    });
  });
}

const raw = {};
try {
  raw.nodeHost = await measureNodeHost({
    idleMs,
    duringIdle: async () => {
      // independent, short work while the node idles (other processes: the idle node's RSS is unaffected)
      raw.floor = await measureFloor();
      raw.size = await measureSize();
    },
  });
  raw.gatewayOps = await measureGatewayOps();
  raw.fleet = await measureFleet({ nodes: fleetNodes });
  raw.reference = await runReference();
} finally {
  await stopAll();
  cleanupTempDirs();
}

// ---- table -----------------------------------------------------------------------------------------
const floor = raw.floor.binTrue.median;
const ref = raw.reference ?? {};
const hasRef = !ref.skipped && !ref.error;
const f = (id, name, value, unit, goal, cmp, refValue, { timed = true, fmt } = {}) => ({
  id, name, value, unit, goal, met: cmp === "<=" ? value <= goal : value >= goal, goalText: `${cmp === "<=" ? "≤" : "≥"} ${goal.toLocaleString("en")} ${unit}`,
  perFloor: timed ? round(value / floor, 1) : null,
  reference: hasRef && refValue !== undefined && Number.isFinite(refValue) ? refValue : null,
  ratio: hasRef && refValue !== undefined && Number.isFinite(refValue) ? round(refValue / value, 1) : null,
  fmt,
});
const nh = raw.nodeHost, go = raw.gatewayOps, fl = raw.fleet;
const figures = [
  f(1, "`node run` start → hello-ok, already paired (median)", nh.startToHelloMs.median, "ms", 250, "<=", ref.startToHelloMs?.median),
  f(2, "node host RSS after 60 s idle, connected", nh.idleRss.mb, "MB", 60, "<=", ref.idleRss?.mb, { timed: false }),
  f(3, "node-side invoke.request → invoke.result, system.which (median)", nh.nodeWhichMs.median, "ms", 0.5, "<=", ref.nodeWhichMs?.median),
  f(4, "node-side, system.run `echo hi`, allowlisted (median)", nh.nodeEchoMs.median, "ms", 6, "<=", ref.nodeEchoMs?.median),
  f(5, "operator round trip via gateway, system.run `echo hi` (median)", go.operatorEchoMs.median, "ms", 10, "<=", ref.operatorEchoMs?.median),
  f(6, "CLI `openclaw nodes list` wall time (median)", go.cliNodesListMs.median, "ms", 250, "<=", ref.cliNodesListMs?.median),
  f(7, "installed size of production deps, without the browser", raw.size.prodDepsMB, "MB", 25, "<=", undefined, { timed: false }),
  f(8, "invokes/s, one gateway → one node, 64 in flight, system.which", go.throughput.perSec, "/s", 3000, ">=", undefined, { timed: false }),
  f(9, `gateway RSS holding ${fl.nodes} nodes (peak)`, fl.gatewayRssMb.peak, "MB", 1024, "<=", undefined, { timed: false }),
  f(10, `invoke p99 to random nodes of ${fl.nodes} (${fl.invokeMs.inFlight} in flight)`, fl.invokeMs.p99, "ms", 50, "<=", undefined),
  f(11, `gateway restart: all ${fl.nodes} re-admitted (from SIGTERM)`, fl.restart.allReadmittedS, "s", 60, "<=", undefined, { timed: false }),
];
const fmtNum = (x) => (x === null || x === undefined ? "–" : typeof x === "number" ? (Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en") : String(round(x, x < 1 ? 3 : 1))) : String(x));
const rows = figures.map((x) => [String(x.id), x.name, `${fmtNum(x.value)} ${x.unit}`, x.goalText, x.met ? "yes" : "NO", x.perFloor === null ? "" : `${x.perFloor}×`, x.reference === null ? "–" : `${fmtNum(x.reference)} ${x.unit}`, x.ratio === null ? "–" : `${x.ratio}×`]);
const header = ["#", "figure", "openclaw-lite", "goal", "met", "÷ spawn floor", "real OpenClaw", "real ÷ lite"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
const table = [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
const durationS = round((Date.now() - t0) / 1000, 0);
const notes = [
  `machine: ${machine.cores} × ${machine.cpu}, ${machine.memGB} GB RAM, ${machine.os}, Node ${machine.node}`,
  `spawn floor (child_process): /bin/true median ${raw.floor.binTrue.median} ms (p99 ${raw.floor.binTrue.p99}); \`node -e 0\` median ${raw.floor.nodeE0.median} ms`,
  `node-side figures include one loopback WebSocket hop each way (proxy ↔ node ping RTT median ${nh.proxyNodePingRttMs?.median ?? "?"} ms); p99 which ${nh.nodeWhichMs.p99} ms, echo ${nh.nodeEchoMs.p99} ms`,
  `restart: old gateway exited ${fl.restart.oldGatewayExitS} s after SIGTERM, new one listening at ${fl.restart.newGatewayListeningS} s; connection attempts per second ${JSON.stringify(fl.restart.attemptsPerSec)} (peak ${fl.restart.peakAttemptsPerSec}/s), admissions per second ${JSON.stringify(fl.restart.admitsPerSec)}`,
  `fleet: ${fl.nodes} nodes connected in ${fl.fillS} s (200 handshakes outstanding), ticks every ${fl.sim.tickMs} ms (${fl.sim.ticksReceived} received), gateway RSS held ${fl.gatewayRssMb.held} MB / after invokes ${fl.gatewayRssMb.afterInvokes} MB / after restart ${fl.restart.gatewayRssMb} MB`,
  `size: ${raw.size.packages.join(", ")} (excluded: ${raw.size.excludedBrowserPackages.join(", ") || "none"}); our own files (bin + dist/src) ${raw.size.ownFilesMB} MB`,
  hasRef ? `real OpenClaw ${ref.version}: node host RSS over ${ref.idleRss.processes} processes; gateway listening after ${ref.gatewayListeningS} s` : `real OpenClaw: not measured (${ref.skipped ?? ref.error})`,
  `bench took ${durationS} s`,
];
console.log(`\n${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`);
writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), machine, durationS, spawnFloorMs: raw.floor, figures: figures.map(({ fmt, ...x }) => x), notes, raw }, null, 2) + "\n");
console.log(`results: ${outFile}`);
process.exit(figures.every((x) => x.met) ? 0 : 0);
