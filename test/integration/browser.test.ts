// browser.proxy through gateway → node host → a real headless Chromium (one per test file), against a
// page served by this test on loopback. Needs a Chromium-family browser: skipped with a reason when
// none is installed, unless CI is set (then it fails).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { BIN, Fixture, TOKEN, eventually, runCli } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";
import { detectBrowser } from "../../src/node-host/browser/executable.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import type { NodeHost } from "../../src/node-host/node-host.js";
import type { OperatorClient } from "../../src/cli/rpc.js";

const found = detectBrowser();
const skip = found.found ? false : process.env.CI ? false : `no Chromium-family browser on this machine (${found.error}); install chromium or set CI=1 to fail instead`;
if (skip) process.stderr.write(`# SKIP browser integration tests: ${skip}\n`);

const PAGE = `<!doctype html><html><head><title>Proxy test</title></head><body>
<h1 id="msg">Waiting</h1>
<button onclick="document.getElementById('msg').textContent='Clicked!'; console.log('button clicked')">Press me</button>
<input aria-label="Name">
</body></html>`;

let f: Fixture;
let gw: Gateway;
let node: NodeHost;
let op: OperatorClient;
let server: Server;
let pageUrl: string;

interface ProxyPayload {
  result: Record<string, unknown>;
  files?: { path: string; base64: string; mimeType: string }[];
}

async function proxy(params: Record<string, unknown>, on: NodeHost = node, invokeTimeoutMs = 30_000): Promise<ProxyPayload> {
  const r = await op.call<{ payload: ProxyPayload }>("node.invoke", { nodeId: on.deviceId, command: "browser.proxy", params, timeoutMs: invokeTimeoutMs, idempotencyKey: randomUUID() }, invokeTimeoutMs + 5000);
  return r.payload;
}

/** The node's own error (the gateway relays it as UNAVAILABLE "<code>: <message>" with details.nodeError). */
async function proxyError(params: Record<string, unknown>, on: NodeHost = node): Promise<{ code: string; message: string }> {
  try {
    await proxy(params, on);
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    const ne = (err.details as { nodeError?: { code: string; message: string } } | undefined)?.nodeError;
    if (!ne) return { code: err.code, message: err.message }; // refused by the gateway itself
    assert.equal(err.message, `${ne.code}: ${ne.message}`);
    return ne;
  }
  assert.fail(`expected ${JSON.stringify(params)} to fail`);
}

function pngSize(b64: string): { width: number; height: number } {
  const buf = Buffer.from(b64, "base64");
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  assert.equal(buf.readUInt32BE(8), 13, "IHDR length");
  assert.equal(buf.subarray(12, 16).toString("latin1"), "IHDR");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function writeNodeConfig(stateDir: string, config: unknown): void {
  writeFileSync(join(stateDir, "openclaw.json"), `// node config (JSON5)\n${JSON.stringify(config, null, 2)}\n`);
}

before(async () => {
  server = createServer((req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(req.url === "/other" ? "<title>Other</title><p>other page</p>" : PAGE);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  pageUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
  f = new Fixture();
  gw = await f.gateway();
  node = await f.pairedNode(gw);
  op = await f.operator(gw);
});

after(async () => {
  await f.close(); // stops the node host, which stops its browser
  await new Promise((r) => server.close(r));
});

test("a browser is installed when CI is set", { skip: !process.env.CI }, () => {
  assert.ok(found.found, `CI is set but ${found.error}`);
});

test("advertised by default: cap browser, command browser.proxy", async () => {
  const d = await op.call<{ caps: string[]; commands: string[] }>("node.describe", { nodeId: node.deviceId });
  assert.ok(d.caps.includes("browser"));
  assert.ok(d.commands.includes("browser.proxy"));
});

test("node.invoke browser.proxy needs operator.admin", async () => {
  const writer = await f.operator(gw, ["operator.read", "operator.write"]);
  await assert.rejects(
    writer.call("node.invoke", { nodeId: node.deviceId, command: "browser.proxy", params: { path: "/" }, idempotencyKey: randomUUID() }),
    (e: unknown) => e instanceof GatewayError && e.code === "FORBIDDEN" && /operator\.admin/.test(e.message),
  );
});

test("param validation and unknown routes", async () => {
  assert.match((await proxyError({})).message, /^path required/);
  assert.match((await proxyError({ path: "/", method: "PUT" })).message, /method must be GET, POST, or DELETE/);
  const nf = await proxyError({ path: "/nope" });
  assert.equal(nf.code, "INVALID_REQUEST");
  assert.match(nf.message, /^Not Found: GET \/nope \(routes: GET \/, POST \/start, .*POST \/act.*GET \/console\)/);
  assert.match((await proxyError({ path: "/", profile: "ghost" })).message, /^Profile "ghost" not found\. Available profiles: openclaw/);
  assert.match((await proxyError({ method: "POST", path: "/profiles/create", body: { name: "x" } })).message, /cannot mutate persistent browser profiles/);
});

test("status before any use: not running, headless, browser detected", async () => {
  const { result } = await proxy({ path: "/" });
  assert.equal(result.profile, "openclaw");
  assert.equal(result.running, false);
  assert.equal(result.pid, null);
  assert.equal(result.headless, true);
  assert.equal(result.color, "#FF4500");
  if (!skip) assert.equal(result.detectedExecutablePath, found.found!.path);
  assert.deepEqual((await proxy({ path: "/tabs" })).result, { running: false, tabs: [] });
});

test("open a page, ai snapshot, click by ref, read the change back, screenshot as PNG", { skip }, async () => {
  const t0 = Date.now();
  const opened = (await proxy({ method: "POST", path: "/tabs/open", body: { url: pageUrl } })).result;
  assert.equal(opened.url, pageUrl);
  assert.match(String(opened.targetId), /^[0-9A-F]{32}$/);
  const snap = (await proxy({ path: "/snapshot", query: { format: "ai" } })).result;
  assert.equal(snap.format, "ai");
  assert.equal(snap.targetId, opened.targetId);
  assert.match(String(snap.snapshot), /heading "Waiting"/);
  const refs = snap.refs as Record<string, { role: string; name?: string }>;
  const ref = Object.keys(refs).find((r) => refs[r]!.role === "button" && refs[r]!.name === "Press me");
  assert.ok(ref, `button ref in ${String(snap.snapshot)}`);
  assert.deepEqual((await proxy({ method: "POST", path: "/act", body: { kind: "click", ref } })).result, { ok: true, targetId: opened.targetId, url: pageUrl });
  const after = (await proxy({ path: "/snapshot" })).result;
  assert.match(String(after.snapshot), /heading "Clicked!"/);
  await proxy({ method: "POST", path: "/act", body: { kind: "resize", width: 640, height: 480 } });
  const shot = await proxy({ method: "POST", path: "/screenshot", body: {} });
  assert.equal(shot.result.ok, true);
  assert.equal(shot.files?.length, 1);
  assert.equal(shot.files![0]!.path, shot.result.path);
  assert.equal(shot.files![0]!.mimeType, "image/png");
  assert.deepEqual(pngSize(shot.files![0]!.base64), { width: 640, height: 480 });
  // element screenshot by ref; fullPage + ref is refused
  const el = await proxy({ method: "POST", path: "/screenshot", body: { ref } });
  const size = pngSize(el.files![0]!.base64);
  assert.ok(size.width < 640 && size.height < 100, JSON.stringify(size));
  assert.match((await proxyError({ method: "POST", path: "/screenshot", body: { ref, fullPage: true } })).message, /fullPage/);
  process.stderr.write(`# browser round trip (start + open + 2 snapshots + click + 2 screenshots): ${Date.now() - t0} ms\n`);
});

test("aria snapshot refs, fill, console, tabs, navigate, pdf", { skip }, async () => {
  const aria = (await proxy({ path: "/snapshot", query: { format: "aria" } })).result;
  const nodes = aria.nodes as { ref?: string; role: string; name: string; depth: number }[];
  const box = nodes.find((n) => n.role === "textbox" && n.name === "Name");
  assert.ok(box?.ref, JSON.stringify(nodes));
  await proxy({ method: "POST", path: "/act", body: { kind: "fill", fields: [{ ref: box.ref, value: "Ada" }] } });
  assert.match(String((await proxy({ path: "/snapshot" })).result.snapshot), /textbox "Name".*: Ada/);
  const logs = (await proxy({ path: "/console" })).result;
  assert.ok((logs.messages as { text: string }[]).some((m) => m.text === "button clicked"), JSON.stringify(logs));
  const tabs = (await proxy({ path: "/tabs" })).result as { running: boolean; tabs: { targetId: string; url: string; title: string }[] };
  assert.equal(tabs.running, true);
  const mine = tabs.tabs.find((t) => t.url === pageUrl);
  assert.equal(mine?.title, "Proxy test");
  const nav = (await proxy({ method: "POST", path: "/navigate", body: { url: `${pageUrl}other`, targetId: mine!.targetId } })).result;
  assert.deepEqual([nav.ok, nav.targetId, nav.url], [true, mine!.targetId, `${pageUrl}other`]);
  assert.match((await proxyError({ method: "POST", path: "/navigate", body: { url: "file:///etc/passwd" } })).message, /url scheme not allowed/);
  const pdf = await proxy({ method: "POST", path: "/pdf" });
  assert.equal(pdf.files?.[0]?.mimeType, "application/pdf");
  assert.equal(Buffer.from(pdf.files![0]!.base64, "base64").subarray(0, 5).toString(), "%PDF-");
  assert.match((await proxyError({ method: "POST", path: "/act", body: { kind: "evaluate", fn: "() => 1" } })).message, /evaluate is disabled/);
  assert.deepEqual((await proxy({ method: "DELETE", path: `/tabs/${mine!.targetId}` })).result, { ok: true });
  const left = (await proxy({ path: "/tabs" })).result as { tabs: { targetId: string }[] };
  assert.equal(left.tabs.some((t) => t.targetId === mine!.targetId), false);
});

test("timeoutMs: a slow route answers 'browser proxy request timed out'", { skip }, async () => {
  const t0 = Date.now();
  const e = await proxyError({ method: "POST", path: "/act", body: { kind: "wait", timeMs: 5000 }, timeoutMs: 300 });
  assert.equal(e.code, "INVALID_REQUEST");
  assert.equal(e.message, "browser proxy request timed out");
  assert.ok(Date.now() - t0 < 4000, "answered at the deadline, not after the wait");
});

test("a killed browser is restarted on the next call", { skip }, async () => {
  await proxy({ method: "POST", path: "/start" });
  const before = (await proxy({ path: "/" })).result;
  assert.equal(before.running, true);
  const pid = before.pid as number;
  assert.ok(pid > 0);
  process.kill(pid, "SIGKILL");
  await eventually(async () => (await proxy({ path: "/" })).result.running === false, 10_000, "browser seen as stopped");
  const nav = (await proxy({ method: "POST", path: "/navigate", body: { url: pageUrl } })).result;
  assert.equal(nav.ok, true);
  const now = (await proxy({ path: "/" })).result;
  assert.equal(now.running, true);
  assert.notEqual(now.pid, pid);
  assert.deepEqual((await proxy({ method: "POST", path: "/stop" })).result, { ok: true, stopped: true, profile: "openclaw" });
  assert.equal((await proxy({ path: "/" })).result.running, false);
});

// ---- the operator CLI (bin/openclaw in a child process) on the same node and browser ----


function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(["nodes", "browser", "--node", "test-node", ...args], { HOME: f.dir(), OPENCLAW_GATEWAY_URL: gw.url(), OPENCLAW_GATEWAY_TOKEN: TOKEN });
}

test("CLI: nodes browser open, snapshot, act click, screenshot --out, tabs, status", { skip }, async () => {
  let r = await cli(["open", pageUrl]);
  assert.equal(r.code, 0, r.stderr);
  const targetId = r.stdout.split(/\s+/)[0]!;
  assert.match(targetId, /^[0-9A-F]{32}$/);
  r = await cli(["snapshot", "--target-id", targetId]);
  assert.equal(r.code, 0, r.stderr);
  const ref = /button "Press me" \[ref=(\w+)\]/.exec(r.stdout)?.[1];
  assert.ok(ref, r.stdout);
  r = await cli(["act", "click", "--ref", ref, "--target-id", targetId]);
  assert.equal(r.code, 0, r.stderr);
  assert.match((await cli(["snapshot", "--target-id", targetId])).stdout, /heading "Clicked!"/);
  const out = join(f.dir(), "shot.png");
  r = await cli(["screenshot", "--out", out, "--target-id", targetId]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /saved .*shot\.png \(\d+x\d+, \d+ bytes\)/);
  assert.ok(pngSize(readFileSync(out).toString("base64")).width > 0);
  r = await cli(["tabs"]);
  assert.match(r.stdout, new RegExp(`${targetId}\\s+Proxy test\\s+${pageUrl.replace(/[.]/g, "\\.")}`));
  r = await cli(["status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { result: { running: boolean } }).result.running, true);
  r = await cli(["act", "evaluate", "--fn", "() => 1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /evaluate is disabled/);
});

test("playwright-core is not loaded by the CLI or the node host module until the browser is used", () => {
  const main = fileURLToPath(new URL("../../src/node-host/node-host.js", import.meta.url));
  const code = `await import(${JSON.stringify(main)}); const { createRequire } = await import("node:module"); const m = createRequire(import.meta.url)("module"); console.log(Object.keys(m._cache).filter((k) => k.includes("playwright")).length);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "0");
  const help = spawnSync(process.execPath, [BIN, "nodes", "browser", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /screenshot/);
});

// ---- config-driven behaviour (separate nodes, each with its own openclaw.json) ----

test("disabled in config at start-up: not advertised, so the gateway refuses", async () => {
  const stateDir = f.dir();
  writeNodeConfig(stateDir, { nodeHost: { browserProxy: { enabled: false } } });
  const n = await f.pairedNode(gw, { stateDir });
  const d = await op.call<{ caps: string[]; commands: string[] }>("node.describe", { nodeId: n.deviceId });
  assert.equal(d.caps.includes("browser"), false);
  assert.equal(d.commands.includes("browser.proxy"), false);
  assert.match((await proxyError({ path: "/" }, n)).message, /does not support "browser.proxy"/);
  const stateDir2 = f.dir();
  writeNodeConfig(stateDir2, { browser: { enabled: false } });
  const n2 = await f.pairedNode(gw, { stateDir: stateDir2 });
  assert.equal((await op.call<{ caps: string[] }>("node.describe", { nodeId: n2.deviceId })).caps.includes("browser"), false);
});

test("disabled after start-up: calls are refused with a clear error", async () => {
  const stateDir = f.dir();
  const n = await f.pairedNode(gw, { stateDir });
  assert.equal((await proxy({ path: "/" }, n)).result.running, false);
  writeNodeConfig(stateDir, { nodeHost: { browserProxy: { enabled: false } } });
  const e = await proxyError({ path: "/" }, n);
  assert.equal(e.code, "INVALID_REQUEST");
  assert.match(e.message, /^UNAVAILABLE: node browser proxy disabled \(nodeHost\.browserProxy\.enabled is false in .*openclaw\.json\)$/);
  writeNodeConfig(stateDir, { browser: { enabled: false } });
  assert.match((await proxyError({ path: "/" }, n)).message, /^browser control disabled/);
  writeFileSync(join(stateDir, "openclaw.json"), "{ not json5");
  assert.match((await proxyError({ path: "/" }, n)).message, /is not valid JSON5/);
});

test("allowProfiles is enforced on every field that can carry a profile", async () => {
  const stateDir = f.dir();
  writeNodeConfig(stateDir, { browser: { profiles: { work: { cdpUrl: "http://127.0.0.1:9" } } }, nodeHost: { browserProxy: { allowProfiles: ["work"] } } });
  const n = await f.pairedNode(gw, { stateDir });
  const notAllowed = /^browser profile not allowed: openclaw/;
  assert.match((await proxyError({ path: "/" }, n)).message, notAllowed, "the default profile");
  assert.match((await proxyError({ path: "/", profile: "openclaw" }, n)).message, notAllowed);
  assert.match((await proxyError({ path: "/", query: { profile: "openclaw" } }, n)).message, notAllowed);
  assert.match((await proxyError({ method: "POST", path: "/start", body: { profile: "openclaw" } }, n)).message, notAllowed);
  // an allowed params.profile cannot be overridden by another field (the original's bypass)
  assert.match((await proxyError({ path: "/", profile: "work", query: { profile: "openclaw" } }, n)).message, /conflicting browser profiles/);
  assert.match((await proxyError({ method: "POST", path: "/start", profile: "work", body: { profile: "openclaw" } }, n)).message, /conflicting browser profiles/);
  assert.match((await proxyError({ path: "/", query: { profile: "work" }, body: { profile: "openclaw" } }, n)).message, /conflicting browser profiles/);
  // profile create/delete are refused
  assert.match((await proxyError({ method: "POST", path: "/profiles/create", profile: "work", body: { name: "evil" } }, n)).message, /cannot mutate/);
  assert.match((await proxyError({ method: "DELETE", path: "/profiles/openclaw", profile: "work" }, n)).message, /cannot mutate/);
  // allowed: status of "work" (no launch), and /profiles lists only allowed names
  const st = (await proxy({ path: "/", profile: "work" }, n)).result;
  assert.deepEqual([st.profile, st.running, st.cdpUrl], ["work", false, "http://127.0.0.1:9"]);
  const profiles = (await proxy({ path: "/profiles" }, n)).result.profiles as { name: string; isRemote: boolean }[];
  assert.deepEqual(profiles.map((p) => [p.name, p.isRemote]), [["work", true]]);
  // the node wrote nothing into its config
  assert.equal((await import("node:fs")).readFileSync(join(stateDir, "openclaw.json"), "utf8").includes("token"), false);
});

test("a failed browser start is retried on the next call", { skip }, async () => {
  const stateDir = f.dir();
  writeNodeConfig(stateDir, { browser: { executablePath: "/nonexistent/chrome" } });
  const n = await f.pairedNode(gw, { stateDir });
  assert.match((await proxyError({ method: "POST", path: "/start" }, n)).message, /browser\.executablePath not found: \/nonexistent\/chrome/);
  assert.match((await proxyError({ method: "POST", path: "/start" }, n)).message, /not found/);
  writeNodeConfig(stateDir, {});
  assert.deepEqual((await proxy({ method: "POST", path: "/start" }, n)).result, { ok: true, profile: "openclaw" });
  const st = (await proxy({ path: "/" }, n)).result;
  assert.equal(st.running, true);
  await n.stop();
  assert.throws(() => process.kill(st.pid as number, 0), "the browser is gone when the node host stops");
});
