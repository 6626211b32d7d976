import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { checkGatewayUrl, classifyGatewayHost, dialGateway, GatewayTransportError, plaintextWsVerdict } from "./gateway-socket.js";
import { colonFingerprint } from "./tls-fingerprint.js";
import { makeTestCert, type TestCert } from "./test-tls.js";

test("plain ws:// refusal table: loopback always, private only with the env var, public never", () => {
  const off = {};
  const on = { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" };
  const table: [host: string, cls: string, byDefault: boolean, withEnv: boolean][] = [
    ["127.0.0.1", "loopback", true, true],
    ["127.8.9.10", "loopback", true, true],
    ["localhost", "loopback", true, true],
    ["LOCALHOST.", "loopback", true, true],
    ["[::1]", "loopback", true, true],
    ["[::ffff:127.0.0.1]", "loopback", true, true],
    ["10.1.2.3", "private", false, true],
    ["172.16.0.1", "private", false, true],
    ["172.31.255.254", "private", false, true],
    ["192.168.1.20", "private", false, true],
    ["169.254.10.10", "private", false, true],
    ["100.64.0.1", "private", false, true],
    ["100.127.255.1", "private", false, true],
    ["[fd12:3456::1]", "private", false, true],
    ["[fc00::1]", "private", false, true],
    ["[fe80::1]", "private", false, true],
    ["[::ffff:192.168.0.1]", "private", false, true],
    ["gateway.local", "private", false, true],
    ["box.tail1234.ts.net", "private", false, true],
    ["box.tail1234.ts.net.", "private", false, true],
    ["172.32.0.1", "public", false, false],
    ["100.128.0.1", "public", false, false],
    ["8.8.8.8", "public", false, false],
    ["[2001:db8::1]", "public", false, false],
    ["gateway.example.com", "public", false, false],
    ["gateway.lan", "public", false, false],
    ["local", "public", false, false],
    ["evil-ts.net", "public", false, false],
  ];
  for (const [host, cls, byDefault, withEnv] of table) {
    assert.equal(classifyGatewayHost(host), cls, host);
    assert.equal(plaintextWsVerdict(host, off).allowed, byDefault, `${host} by default`);
    assert.equal(plaintextWsVerdict(host, on).allowed, withEnv, `${host} with the env var`);
    const url = `ws://${host}:18789`;
    if (byDefault) assert.doesNotThrow(() => checkGatewayUrl(url, undefined, off));
    else
      assert.throws(
        () => checkGatewayUrl(url, undefined, off),
        (e: unknown) => e instanceof GatewayTransportError && e.code === "INSECURE_WS" && e.fatal && /Use TLS/.test(e.message) && (cls === "private") === e.message.includes("OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1"),
        host,
      );
    // wss:// is always fine
    assert.doesNotThrow(() => checkGatewayUrl(`wss://${host}:18789`, undefined, off));
  }
  assert.notEqual(plaintextWsVerdict("10.0.0.1", { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "true" }).allowed, true, "only the value 1 counts");
});

test("url checks: a pin needs wss://, an invalid pin and odd schemes are fatal", () => {
  const pin = "ab".repeat(32);
  assert.equal(checkGatewayUrl("wss://gw.example.com:18789", `sha256:${colonFingerprint(pin)}`).pin, pin);
  assert.throws(() => checkGatewayUrl("ws://127.0.0.1:18789", pin), (e: unknown) => e instanceof GatewayTransportError && e.code === "TLS_FINGERPRINT_REQUIRES_WSS" && e.fatal);
  assert.throws(() => checkGatewayUrl("wss://127.0.0.1:18789", "abc"), (e: unknown) => e instanceof GatewayTransportError && e.code === "TLS_FINGERPRINT_INVALID");
  assert.throws(() => checkGatewayUrl("http://127.0.0.1:18789", undefined), (e: unknown) => e instanceof GatewayTransportError && e.code === "INVALID_URL");
  assert.throws(() => checkGatewayUrl("not a url", undefined), (e: unknown) => e instanceof GatewayTransportError && e.code === "INVALID_URL");
});

let cert: TestCert;
before(() => {
  cert = makeTestCert("openclaw-gateway");
});

/** A raw TLS server that records every application byte it receives. */
async function recordingTlsServer(): Promise<{ port: number; received: () => string; connections: () => number; close: () => Promise<void> }> {
  let bytes = "";
  let connections = 0;
  const sockets = new Set<TLSSocket>();
  const server = createTlsServer({ cert: cert.cert, key: cert.key, minVersion: "TLSv1.3" }, (s) => {
    sockets.add(s);
    s.on("data", (d: Buffer) => (bytes += d.toString("latin1")));
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  server.on("connection", () => connections++); // TCP accepted (before the TLS handshake)
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => bytes,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

test("wrong pin: fatal, names both fingerprints and how to update, and the server received zero bytes", async () => {
  const srv = await recordingTlsServer();
  try {
    const wrong = "0".repeat(64);
    await assert.rejects(dialGateway(`wss://127.0.0.1:${srv.port}`, { tlsFingerprint: wrong }), (e: unknown) => {
      assert.ok(e instanceof GatewayTransportError);
      assert.equal(e.code, "TLS_FINGERPRINT_MISMATCH");
      assert.equal(e.fatal, true);
      assert.match(e.message, /gateway tls fingerprint mismatch/);
      assert.ok(e.message.includes(`expected ${wrong}`), e.message);
      assert.ok(e.message.includes(`actual ${cert.fingerprint}`), e.message);
      assert.ok(e.message.includes(`--tls-fingerprint ${cert.fingerprint}`), e.message);
      assert.ok(e.message.includes("openclaw gateway fingerprint"), e.message);
      assert.deepEqual(e.details, { expected: wrong, actual: cert.fingerprint });
      return true;
    });
    await settle();
    assert.equal(srv.connections(), 1, "the client did connect");
    assert.equal(srv.received(), "", "not one byte of the HTTP upgrade reached the server");
    // positive control: with the right pin the same server does receive the upgrade request
    const ws = await dialGateway(`wss://127.0.0.1:${srv.port}`, { tlsFingerprint: cert.fingerprint, ws: { headers: { "x-probe": "1" } } });
    ws.on("error", () => {});
    await settle();
    assert.match(srv.received(), /^GET \/ HTTP\/1\.1\r\n/);
    ws.terminate();
  } finally {
    await srv.close();
  }
});

test("no pin and a self-signed gateway: fatal, says to pin its fingerprint, zero bytes sent", async () => {
  const srv = await recordingTlsServer();
  try {
    await assert.rejects(dialGateway(`wss://127.0.0.1:${srv.port}`), (e: unknown) => {
      assert.ok(e instanceof GatewayTransportError);
      assert.equal(e.code, "TLS_CERT_UNTRUSTED");
      assert.equal(e.fatal, true);
      assert.match(e.message, /not trusted: .*SELF_SIGNED/);
      assert.ok(e.message.includes(`--tls-fingerprint ${cert.fingerprint}`), e.message);
      return true;
    });
    await settle();
    assert.equal(srv.connections(), 1);
    assert.equal(srv.received(), "");
  } finally {
    await srv.close();
  }
});

test("right pin (any spelling): the upgrade goes out on the verified socket and the WebSocket works", async () => {
  const https = createHttpsServer({ cert: cert.cert, key: cert.key, minVersion: "TLSv1.3" });
  const wss = new WebSocketServer({ server: https });
  wss.on("connection", (ws) => ws.on("message", (m) => ws.send(`echo:${m.toString()}`)));
  await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
  const port = (https.address() as AddressInfo).port;
  try {
    for (const pin of [cert.fingerprint, `SHA256:${colonFingerprint(cert.fingerprint)}`]) {
      const ws = await dialGateway(`wss://localhost:${port}/`, { tlsFingerprint: pin });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.on("error", reject);
        ws.on("open", () => ws.send("hi"));
        ws.on("message", (m) => resolve(m.toString()));
      });
      assert.equal(reply, "echo:hi");
      ws.close();
    }
  } finally {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((r) => https.close(() => r()));
  }
});

test("TLS to a plain server, and a refused port: retryable errors, not fatal", async () => {
  const plain = (await import("node:net")).createServer((s) => s.resume().end("HTTP/1.1 400 Bad Request\r\n\r\n"));
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  const port = (plain.address() as AddressInfo).port;
  try {
    await assert.rejects(dialGateway(`wss://127.0.0.1:${port}`, { tlsFingerprint: cert.fingerprint }), (e: unknown) => e instanceof GatewayTransportError && !e.fatal && /running with --tls/.test(e.message));
  } finally {
    await new Promise<void>((r) => plain.close(() => r()));
  }
  await assert.rejects(dialGateway(`wss://127.0.0.1:${port}`, { tlsFingerprint: cert.fingerprint }), (e: unknown) => e instanceof GatewayTransportError && !e.fatal && e.code === "CONNECT_FAILED");
});
