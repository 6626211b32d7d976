// Shared fixtures for integration tests: a real gateway and real node hosts in this process, on
// 127.0.0.1 with port 0 and temp state dirs; an operator client speaking the real protocol.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Gateway, type GatewayOptions } from "../src/gateway/gateway.js";
import { NodeHost, type NodeHostOptions } from "../src/node-host/node-host.js";
import { OperatorClient } from "../src/cli/rpc.js";
import { silentLogger } from "../src/shared/log.js";
import { writeJsonAtomic } from "../src/shared/fs-atomic.js";
import { encodeSetupCode } from "../src/gateway/methods-devices.js";

export const TOKEN = "test-token-integration";

export function tempDir(prefix = "oclite-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export class Fixture {
  readonly dirs: string[] = [];
  readonly nodes: NodeHost[] = [];
  readonly clients: OperatorClient[] = [];
  gateways: Gateway[] = [];

  dir(): string {
    const d = tempDir();
    this.dirs.push(d);
    return d;
  }

  async gateway(opts: Partial<GatewayOptions> = {}): Promise<Gateway> {
    const gw = await Gateway.start({ stateDir: opts.stateDir ?? this.dir(), auth: { mode: "token", token: TOKEN }, host: "127.0.0.1", port: 0, log: silentLogger, ...opts });
    this.gateways.push(gw);
    return gw;
  }

  /** A node host with its own state dir; `approvals` is written as its exec-approvals.json. */
  node(gw: Gateway, opts: Partial<NodeHostOptions> & { approvals?: unknown } = {}): NodeHost {
    const stateDir = opts.stateDir ?? this.dir();
    if (opts.approvals !== undefined) writeJsonAtomic(join(stateDir, "exec-approvals.json"), opts.approvals);
    const node = new NodeHost({
      stateDir,
      host: "127.0.0.1",
      port: gw.port,
      displayName: "test-node",
      log: silentLogger,
      reconnect: { initialMs: 50, maxMs: 200 },
      pairingRetry: { initialMs: 50, maxMs: 200 },
      ...opts,
      env: opts.env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
    });
    this.nodes.push(node);
    return node;
  }

  joinCode(gw: Gateway): string {
    const { token, expiresAtMs } = gw.store.mintBootstrapToken(600_000);
    return encodeSetupCode({ url: gw.url(), bootstrapToken: token, expiresAtMs, ...(gw.tlsFingerprint ? { tlsFingerprint: gw.tlsFingerprint } : {}) });
  }

  /** A paired, approved, connected node (through a join code). */
  async pairedNode(gw: Gateway, opts: Partial<NodeHostOptions> & { approvals?: unknown } = {}): Promise<NodeHost> {
    const node = this.node(gw, { pair: this.joinCode(gw), ...opts });
    node.start();
    await withTimeout(node.waitConnected(), 5000, "node did not connect");
    return node;
  }

  async operator(gw: Gateway, scopes = ["operator.admin", "operator.read", "operator.write", "operator.pairing"]): Promise<OperatorClient> {
    const c = await OperatorClient.connect({ url: gw.url(), token: TOKEN, timeoutMs: 10_000, ...(gw.tlsFingerprint ? { tlsFingerprint: gw.tlsFingerprint } : {}) }, scopes);
    this.clients.push(c);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.nodes.map((n) => n.stop()));
    await Promise.all(this.gateways.map((g) => g.stop()));
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => T | Promise<T>, ms = 5000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const FULL_ACCESS = { version: 1, defaults: { security: "full", ask: "off" } };

// ---- the real CLI (bin/openclaw) as a child process ------------------------------------------------

export const BIN = fileURLToPath(new URL("../../bin/openclaw", import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Exit code; -1 when a signal ended it. Settles after both streams are read to the end. */
  exit: Promise<number>;
}

/** Starts `openclaw <args>` with only PATH from this process plus `env`; stdin gets `stdin` (or nothing). */
export function startCli(args: string[], env: Record<string, string>, stdin = ""): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
  const p: CliProcess = { child, stdout: "", stderr: "", exit: new Promise((r) => child.on("close", (code) => r(code ?? -1))) };
  child.stdout!.on("data", (d) => (p.stdout += d));
  child.stderr!.on("data", (d) => (p.stderr += d));
  child.stdin!.end(stdin);
  return p;
}

/** Runs `openclaw <args>` to the end. */
export async function runCli(args: string[], env: Record<string, string>, stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = startCli(args, env, stdin);
  const code = await p.exit;
  return { code, stdout: p.stdout, stderr: p.stderr };
}
