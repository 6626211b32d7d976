// `openclaw nodes …`: list, status, describe, pending, approve, reject, invoke, run, join-code.
import { randomUUID } from "node:crypto";
import { ADMIN_INVOKE_COMMANDS } from "../../protocol/codes.js";
import { UserError } from "../errors.js";
import { ago, printJson, say, table } from "../output.js";
import { withOperator, type OperatorClient } from "../rpc.js";
import { parseMs, resolveTarget, type ConnectionFlags } from "../target.js";

export interface CommonFlags extends ConnectionFlags {
  json?: boolean;
}

interface KnownNode {
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  remoteIp?: string;
  caps?: string[];
  commands?: string[];
  approvalState?: string;
  connected?: boolean;
  paired?: boolean;
  connectedAtMs?: number;
  lastSeenAtMs?: number;
  pendingRequestId?: string;
  pathEnv?: string;
  hostStats?: Record<string, unknown>;
}

interface NodePairRequest {
  requestId: string;
  nodeId: string;
  displayName?: string;
  platform?: string;
  remoteIp?: string;
  commands?: string[];
  kind?: string;
  ts: number;
}

const READ = ["operator.read"];
const PAIRING = ["operator.pairing"];
const ADMIN = ["operator.admin", "operator.pairing"];

/** Finds a node by id, display name, IP or unique id prefix; errors list the candidates. */
export function pickNode(nodes: KnownNode[], query: string): KnownNode {
  const q = query.trim();
  const lower = q.toLowerCase();
  const exact = nodes.filter((n) => n.nodeId === q);
  if (exact.length === 1) return exact[0]!;
  const byName = nodes.filter((n) => n.displayName?.toLowerCase() === lower);
  const byIp = nodes.filter((n) => n.remoteIp === q || n.remoteIp === `::ffff:${q}`);
  const byPrefix = q.length >= 4 ? nodes.filter((n) => n.nodeId.startsWith(lower)) : [];
  for (const set of [byName, byIp, byPrefix]) {
    if (set.length === 1) return set[0]!;
    if (set.length > 1) {
      throw new UserError(`"${q}" matches ${set.length} nodes; use a node id:\n${set.map((n) => `  ${n.nodeId}  ${n.displayName ?? ""}  ${n.connected ? "connected" : "offline"}`).join("\n")}`);
    }
  }
  const known = nodes.length ? `known nodes:\n${nodes.map((n) => `  ${n.nodeId.slice(0, 16)}…  ${n.displayName ?? ""}  ${n.connected ? "connected" : "offline"}`).join("\n")}` : "no nodes are paired with this gateway yet";
  throw new UserError(`no node matches "${q}"; ${known}`);
}

export async function listNodes(c: OperatorClient): Promise<KnownNode[]> {
  const r = await c.call<{ nodes: KnownNode[] }>("node.list", {});
  return r.nodes;
}

function nodeRows(nodes: KnownNode[]): string {
  return table(
    ["NODE", "ID", "PLATFORM", "STATUS", "APPROVAL", "COMMANDS", "ADDRESS", "SEEN"],
    nodes.map((n) => [
      n.displayName ?? "-",
      n.nodeId.slice(0, 12),
      n.platform ?? "-",
      n.connected ? "connected" : "offline",
      n.approvalState ?? "-",
      String(n.commands?.length ?? 0),
      n.remoteIp ?? "",
      n.connected ? `since ${ago(n.connectedAtMs)}` : ago(n.lastSeenAtMs),
    ]),
  );
}

export async function nodesList(flags: CommonFlags): Promise<void> {
  const nodes = await withOperator(resolveTarget(flags), READ, listNodes);
  if (flags.json) return printJson({ nodes });
  if (nodes.length === 0) return say("no nodes yet. Start one with `openclaw node run --pair <code>` (mint a code with `openclaw nodes join-code`).");
  process.stdout.write(nodeRows(nodes));
}

export async function nodesStatus(flags: CommonFlags): Promise<void> {
  const target = resolveTarget(flags);
  const { status, nodes, pending } = await withOperator(target, [...READ, ...PAIRING], async (c) => ({
    status: await c.call<Record<string, unknown>>("status", {}),
    nodes: await listNodes(c),
    pending: (await c.call<{ pending: NodePairRequest[] }>("node.pair.list", {})).pending,
  }));
  if (flags.json) return printJson({ gateway: status, nodes, pending });
  const s = status as { version?: string; uptimeMs?: number; nodes?: { connected: number; paired: number } };
  process.stdout.write(`gateway   ${target.url}  (openclaw-lite ${s.version ?? "?"}, up ${Math.round((s.uptimeMs ?? 0) / 1000)} s)\n`);
  process.stdout.write(`nodes     ${s.nodes?.connected ?? 0} connected, ${s.nodes?.paired ?? 0} paired, ${pending.length} pending approval\n\n`);
  if (nodes.length) process.stdout.write(nodeRows(nodes));
  if (pending.length) say(`\npending: run \`openclaw nodes pending\` to review, \`openclaw nodes approve <requestId>\` to admit`);
}

export async function nodesDescribe(flags: CommonFlags & { node: string }): Promise<void> {
  const described = await withOperator(resolveTarget(flags), READ, async (c) => {
    const node = pickNode(await listNodes(c), flags.node);
    return c.call<KnownNode & { ts: number }>("node.describe", { nodeId: node.nodeId });
  });
  if (flags.json) return printJson(described);
  const n = described;
  const lines = [
    ["node", `${n.displayName ?? "-"} (${n.nodeId})`],
    ["status", `${n.connected ? "connected" : "offline"}, ${n.approvalState ?? "-"}${n.pendingRequestId ? ` (pending request ${n.pendingRequestId})` : ""}`],
    ["platform", `${n.platform ?? "-"}${n.version ? `, ${n.version}` : ""}`],
    ["address", n.remoteIp ?? "-"],
    ["caps", (n.caps ?? []).join(", ") || "-"],
    ["commands", (n.commands ?? []).join(", ") || "-"],
    ["connected", n.connectedAtMs ? new Date(n.connectedAtMs).toISOString() : "-"],
    ["last seen", n.lastSeenAtMs ? `${new Date(n.lastSeenAtMs).toISOString()} (${ago(n.lastSeenAtMs)})` : "-"],
    ["PATH", n.pathEnv ?? "-"],
  ];
  for (const [k, v] of lines) process.stdout.write(`${k!.padEnd(10)} ${v}\n`);
}

export async function nodesPending(flags: CommonFlags): Promise<void> {
  const pending = await withOperator(resolveTarget(flags), PAIRING, async (c) => (await c.call<{ pending: NodePairRequest[] }>("node.pair.list", {})).pending);
  if (flags.json) return printJson({ pending });
  if (pending.length === 0) return say("no pending node requests");
  process.stdout.write(
    table(
      ["REQUEST", "NODE", "ID", "PLATFORM", "FROM", "KIND", "COMMANDS", "AGE"],
      pending.map((p) => [p.requestId, p.displayName ?? "-", p.nodeId.slice(0, 12), p.platform ?? "-", p.remoteIp ?? "local", p.kind === "surface" ? "commands" : "pairing", (p.commands ?? []).join(",") || "-", ago(p.ts)]),
    ),
  );
  say("approve with: openclaw nodes approve <REQUEST>   reject with: openclaw nodes reject <REQUEST>");
}

export async function nodesApprove(flags: CommonFlags & { requestId: string }): Promise<void> {
  const r = await withOperator(resolveTarget(flags), ADMIN, (c) => c.call<{ requestId: string; node: KnownNode }>("node.pair.approve", { requestId: flags.requestId }));
  if (flags.json) return printJson(r);
  say(`approved ${r.node.displayName ?? r.node.nodeId} (${r.node.nodeId.slice(0, 12)}); commands: ${(r.node.commands ?? []).join(", ") || "none"}`);
}

export async function nodesReject(flags: CommonFlags & { requestId: string }): Promise<void> {
  const r = await withOperator(resolveTarget(flags), PAIRING, (c) => c.call<{ requestId: string; nodeId: string }>("node.pair.reject", { requestId: flags.requestId }));
  if (flags.json) return printJson(r);
  say(`rejected request ${r.requestId} of node ${r.nodeId.slice(0, 12)}`);
}

export async function nodesJoinCode(flags: CommonFlags & { publicUrl?: string }): Promise<void> {
  const r = await withOperator(resolveTarget(flags), ["operator.admin"], (c) =>
    c.call<{ setupCode: string; expiresAtMs: number; gatewayUrl: string }>("device.pair.setupCode", flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
  );
  if (flags.json) return printJson(r);
  process.stdout.write(`${r.setupCode}\n`);
  say(`one-time join code for ${r.gatewayUrl}, valid until ${new Date(r.expiresAtMs).toISOString()} (single use).`);
  say(`on the node machine run:  openclaw node run --pair <code>`);
}

function parseJsonFlag(text: string | undefined, name: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${name} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function nodesInvoke(flags: CommonFlags & { node: string; command: string; params?: string; invokeTimeout?: string; idempotencyKey?: string }): Promise<void> {
  const params = parseJsonFlag(flags.params, "--params");
  const invokeTimeout = parseMs(flags.invokeTimeout, "--invoke-timeout", 30_000);
  const target = resolveTarget(flags, invokeTimeout + 5000);
  const scopes = ["operator.read", "operator.write", ...(ADMIN_INVOKE_COMMANDS.has(flags.command) ? ["operator.admin"] : [])];
  const r = await withOperator(target, scopes, async (c) => {
    const node = pickNode(await listNodes(c), flags.node);
    return c.call<{ payload: unknown }>(
      "node.invoke",
      { nodeId: node.nodeId, command: flags.command, ...(params !== undefined ? { params } : {}), timeoutMs: invokeTimeout, idempotencyKey: flags.idempotencyKey ?? randomUUID() },
      target.timeoutMs,
    );
  });
  printJson(flags.json ? r : r.payload);
}
