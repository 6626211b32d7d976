// `openclaw nodes browser --node X <status|start|stop|tabs|open|navigate|snapshot|screenshot|act|console|request>`:
// drives a node's browser through its `browser.proxy` command (gateway node.invoke; needs operator.admin).
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../errors.js";
import { printJson, say, table } from "../output.js";
import { withOperator } from "../rpc.js";
import { parseMs, resolveTarget } from "../target.js";
import { listNodes, pickNode, type CommonFlags } from "./nodes.js";

export interface BrowserFlags extends CommonFlags {
  node: string;
  profile?: string;
  invokeTimeout?: string;
  targetId?: string;
  // snapshot
  format?: string;
  interactive?: boolean;
  maxChars?: string;
  // screenshot
  out?: string;
  fullPage?: boolean;
  ref?: string;
  type?: string;
  // act
  text?: string;
  key?: string;
  values?: string[];
  width?: string;
  height?: string;
  timeMs?: string;
  fn?: string;
  submit?: boolean;
  args?: string;
  // request
  query?: string;
  body?: string;
}

interface ProxyRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

interface ProxyPayload {
  result: Record<string, unknown>;
  files?: { path: string; base64: string; mimeType: string }[];
}

const ACTIONS = ["status", "start", "stop", "tabs", "open", "navigate", "snapshot", "screenshot", "act", "console", "request"] as const;
export type BrowserAction = (typeof ACTIONS)[number];

function json(text: string | undefined, name: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${name} is not valid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new UserError(`${name} must be a JSON object`);
  return v as Record<string, unknown>;
}

function int(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UserError(`${name} must be a number`);
  return n;
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The browser.proxy request for one CLI action (exported for tests). */
export function buildRequest(action: BrowserAction, args: string[], f: BrowserFlags): ProxyRequest {
  const targetId = f.targetId;
  switch (action) {
    case "status":
      return { method: "GET", path: "/" };
    case "start":
      return { method: "POST", path: "/start" };
    case "stop":
      return { method: "POST", path: "/stop" };
    case "tabs":
      return { method: "GET", path: "/tabs" };
    case "console":
      return { method: "GET", path: "/console", query: defined({ targetId }) };
    case "open":
    case "navigate": {
      const url = args[0];
      if (!url) throw new UserError(`usage: openclaw nodes browser --node <node> ${action} <url>`);
      return action === "open" ? { method: "POST", path: "/tabs/open", body: { url } } : { method: "POST", path: "/navigate", body: defined({ url, targetId }) };
    }
    case "snapshot":
      return { method: "GET", path: "/snapshot", query: defined({ format: f.format ?? "ai", targetId, interactive: f.interactive ? "true" : undefined, maxChars: int(f.maxChars, "--max-chars") }) };
    case "screenshot":
      return { method: "POST", path: "/screenshot", body: defined({ targetId, fullPage: f.fullPage || undefined, ref: f.ref, type: f.type }) };
    case "act": {
      const kind = args[0];
      if (!kind) throw new UserError("usage: openclaw nodes browser --node <node> act <kind> [--ref eN] [--text …] [--key …] [--args JSON]");
      return {
        method: "POST",
        path: "/act",
        body: defined({
          kind,
          targetId,
          ref: f.ref,
          text: f.text,
          key: f.key,
          values: f.values,
          width: int(f.width, "--width"),
          height: int(f.height, "--height"),
          timeMs: int(f.timeMs, "--time-ms"),
          fn: f.fn,
          submit: f.submit || undefined,
          ...json(f.args, "--args"),
        }),
      };
    }
    case "request": {
      const [method, path] = args;
      const m = method?.toUpperCase();
      if (!path || (m !== "GET" && m !== "POST" && m !== "DELETE")) throw new UserError("usage: openclaw nodes browser --node <node> request <GET|POST|DELETE> <path> [--query JSON] [--body JSON]");
      const query = json(f.query, "--query");
      const body = json(f.body, "--body");
      return { method: m, path, ...(query ? { query } : {}), ...(body ? { body } : {}) };
    }
  }
}

function pngSize(buf: Buffer): string {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.subarray(12, 16).toString("latin1") === "IHDR") return `${buf.readUInt32BE(16)}x${buf.readUInt32BE(20)}, `;
  return "";
}

function print(action: BrowserAction, p: ProxyPayload, args: string[]): void {
  const r = p.result;
  switch (action) {
    case "status":
      process.stdout.write(
        `profile   ${String(r.profile)}\nrunning   ${r.running ? `yes (pid ${String(r.pid)}, ${String(r.cdpUrl)})` : "no"}\nbrowser   ${String(r.detectedExecutablePath ?? r.detectError ?? "-")}\nheadless  ${String(r.headless)}${r.lastError ? `\nlast error ${String(r.lastError)}` : ""}\n`,
      );
      return;
    case "tabs": {
      const tabs = (r.tabs as { targetId: string; title: string; url: string }[] | undefined) ?? [];
      if (!r.running) return say("the browser is not running (it starts on first use, or with `start`)");
      process.stdout.write(table(["TARGET", "TITLE", "URL"], tabs.map((t) => [t.targetId, t.title, t.url])));
      return;
    }
    case "snapshot":
      if (typeof r.snapshot === "string") process.stdout.write(r.snapshot.endsWith("\n") ? r.snapshot : `${r.snapshot}\n`);
      else for (const n of (r.nodes as { ref?: string; role: string; name: string; depth: number }[]) ?? []) process.stdout.write(`${"  ".repeat(n.depth)}${n.role}${n.name ? ` "${n.name}"` : ""}${n.ref ? ` [ref=${n.ref}]` : ""}\n`);
      return;
    case "open":
    case "navigate":
      process.stdout.write(`${String(r.targetId)}  ${String(r.url)}\n`);
      return;
    case "console":
      for (const m of (r.messages as { type: string; text: string }[]) ?? []) process.stdout.write(`[${m.type}] ${m.text}\n`);
      return;
    case "act":
      if ("result" in r) printJson(r.result);
      else say(`${args[0]}: ok${r.url ? ` (${String(r.url)})` : ""}`);
      return;
    default:
      printJson(r);
  }
}

export async function nodesBrowser(action: BrowserAction, args: string[], flags: BrowserFlags): Promise<void> {
  const req = buildRequest(action, args, flags);
  const invokeTimeout = parseMs(flags.invokeTimeout, "--invoke-timeout", 30_000);
  const target = resolveTarget(flags, invokeTimeout + 5000);
  const params = { ...req, ...(flags.profile ? { profile: flags.profile } : {}), timeoutMs: Math.max(1000, invokeTimeout - 2000) };
  const payload = await withOperator(target, ["operator.read", "operator.write", "operator.admin"], async (c) => {
    const node = pickNode(await listNodes(c), flags.node);
    const r = await c.call<{ payload: ProxyPayload }>("node.invoke", { nodeId: node.nodeId, command: "browser.proxy", params, timeoutMs: invokeTimeout, idempotencyKey: randomUUID() }, target.timeoutMs);
    return r.payload;
  });
  if (action === "screenshot") {
    const file = payload.files?.[0];
    if (!file) throw new UserError("the node returned no image");
    const bytes = Buffer.from(file.base64, "base64");
    const ext = file.mimeType === "image/jpeg" ? "jpg" : "png";
    const out = resolve(flags.out ?? `browser-${new Date().toISOString().replace(/[:.]/g, "-")}.${ext}`);
    writeFileSync(out, bytes);
    if (flags.json) return printJson({ result: payload.result, files: [{ path: out, nodePath: file.path, mimeType: file.mimeType, bytes: bytes.length }] });
    say(`saved ${out} (${pngSize(bytes)}${bytes.length} bytes)`);
    return;
  }
  if (flags.json) {
    const files = payload.files?.map((f) => ({ path: f.path, mimeType: f.mimeType, bytes: Buffer.from(f.base64, "base64").length }));
    return printJson(files ? { result: payload.result, files } : { result: payload.result });
  }
  print(action, payload, args);
}
