// `openclaw approvals get|set|allowlist`: read an exec-approvals file (a node's, the gateway host's, or
// with --local this machine's) and show the effective policy per agent; replace it; add or remove one
// allowlist pattern. Every write is get → baseHash → set, so a concurrent edit is refused, not lost.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import JSON5 from "json5";
import { APPROVALS_FILE_NAME, normalizeApprovals, snapshotApprovals, type ApprovalsSnapshot } from "../../policy/approvals/file.js";
import { explainApprovals, type AgentExplanation } from "../../policy/approvals/explain.js";
import { checkApprovalsShape } from "../../policy/approvals/schema.js";
import { summarizeApprovalsDiff } from "../../policy/audit.js";
import { stateDir } from "../../shared/paths.js";
import { UserError } from "../errors.js";
import { printJson, say } from "../output.js";
import { withOperator, type OperatorClient } from "../rpc.js";
import { resolveTarget } from "../target.js";
import { listNodes, pickNode, type CommonFlags } from "./nodes.js";

const ADMIN = ["operator.admin", "operator.read"];

interface Where {
  node?: string;
  gateway?: boolean;
}
interface Loaded {
  label: string;
  nodeId?: string;
  snap: ApprovalsSnapshot;
  /** Said under the explanation when the node is not openclaw-lite. */
  caveat?: string;
}

function requireTarget(flags: Where & { local?: boolean }, allowLocal = false): void {
  const given = [flags.node ? "--node" : "", flags.gateway ? "--gateway" : "", flags.local ? "--local" : ""].filter(Boolean);
  const choices = allowLocal ? "--node <node>, --gateway or --local" : "--node <node> or --gateway";
  if (given.length === 0) throw new UserError(`say whose exec approvals: ${choices}`);
  if (given.length > 1) throw new UserError(`${given.join(" and ")} exclude each other`);
}

async function load(c: OperatorClient, flags: Where): Promise<Loaded> {
  if (flags.gateway) return { label: "gateway", snap: await c.call<ApprovalsSnapshot>("exec.approvals.get", {}) };
  const node = pickNode(await listNodes(c), flags.node!);
  const snap = await c.call<ApprovalsSnapshot>("exec.approvals.node.get", { nodeId: node.nodeId });
  // The explanation follows openclaw-lite's rules; a real OpenClaw node also merges its own config into
  // the policy (2026.9.6 defaults to security=full, ask=off when neither file nor config says otherwise).
  const foreign = node.version !== undefined && !node.version.includes("-lite");
  const caveat = foreign ? `node ${node.displayName ?? node.nodeId.slice(0, 12)} runs OpenClaw ${node.version}, not openclaw-lite: its own config may change what happens (2026.9.6 defaults to security full, ask off where the file is silent)` : undefined;
  return { label: `node ${node.displayName ?? node.nodeId.slice(0, 12)}`, nodeId: node.nodeId, snap, ...(caveat ? { caveat } : {}) };
}

function store(c: OperatorClient, where: Loaded, file: unknown): Promise<ApprovalsSnapshot> {
  const baseHash = where.snap.hash;
  if (where.nodeId) return c.call<ApprovalsSnapshot>("exec.approvals.node.set", { nodeId: where.nodeId, file, baseHash });
  return c.call<ApprovalsSnapshot>("exec.approvals.set", { file, baseHash });
}

function loadLocal(): Loaded {
  const path = join(stateDir(), APPROVALS_FILE_NAME);
  try {
    return { label: "this machine", snap: snapshotApprovals(path) };
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

// ---- get -------------------------------------------------------------------------------------------

function agentName(id: string): string {
  return id === "*" ? "* (any other agent)" : id;
}

/** The human form of `approvals get`: the file, then per agent what happens and why. */
export function renderPolicy(label: string, snap: ApprovalsSnapshot, agents: AgentExplanation[]): string {
  const lines = [`${label}: ${snap.path}`, `  hash ${snap.hash}${snap.exists ? "" : " (no file yet: the built-in defaults apply)"}`, ""];
  for (const [i, a] of agents.entries()) {
    if (i > 0) lines.push("");
    lines.push(`${agentName(a.agentId)}: ${a.happens}`);
    lines.push(`  why: ${a.why}`);
    const list = a.allowlist.map((e) => (e.from === "*" && a.agentId !== "*" ? `${e.pattern} (from *)` : e.pattern));
    lines.push(`  allowlist: ${list.length ? list.join(", ") : "(empty)"}`);
  }
  return lines.join("\n") + "\n";
}

export async function approvalsGet(flags: CommonFlags & Where & { local?: boolean }): Promise<void> {
  requireTarget(flags, true);
  const r = flags.local ? loadLocal() : await withOperator(resolveTarget(flags), ADMIN, (c) => load(c, flags));
  const agents = explainApprovals(normalizeApprovals(r.snap.file));
  if (flags.json) return printJson({ target: r.label, ...(r.nodeId ? { nodeId: r.nodeId } : {}), ...r.snap, effective: agents, ...(r.caveat ? { caveat: r.caveat } : {}) });
  process.stdout.write(renderPolicy(r.label, r.snap, agents) + (r.caveat ? `\nnote: ${r.caveat}\n` : ""));
}

// ---- set -------------------------------------------------------------------------------------------

function parseFile(text: string, source: string): unknown {
  let file: unknown;
  try {
    file = JSON5.parse(text);
  } catch (err) {
    throw new UserError(`${source} is not valid JSON5: ${(err as Error).message}`);
  }
  // Pattern rules differ between node versions: the node that stores the file checks those.
  const problem = checkApprovalsShape(file);
  if (problem) throw new UserError(`${source}: ${problem}`);
  return file;
}

function readInput(flags: { file?: string; stdin?: boolean }): { text: string; source: string } {
  if (!flags.file === !flags.stdin) throw new UserError("give the new file with --file <path> or --stdin");
  if (flags.stdin) return { text: readFileSync(0, "utf8"), source: "stdin" };
  try {
    return { text: readFileSync(flags.file!, "utf8"), source: flags.file! };
  } catch (err) {
    throw new UserError(`cannot read ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

interface Written {
  label: string;
  oldHash: string;
  snap: ApprovalsSnapshot;
  summary: string;
}

async function write(c: OperatorClient, cur: Loaded, file: unknown): Promise<Written> {
  const snap = await store(c, cur, file);
  return { label: cur.label, oldHash: cur.snap.hash, snap, summary: summarizeApprovalsDiff(cur.snap.file, snap.file) };
}

function report(w: Written, json: boolean | undefined): void {
  if (json) return printJson({ target: w.label, oldHash: w.oldHash, summary: w.summary, ...w.snap });
  if (w.oldHash === w.snap.hash) return say(`${w.label}: exec approvals unchanged (${w.snap.hash.slice(0, 12)})`);
  say(`${w.label}: exec approvals written (${w.oldHash.slice(0, 12)} → ${w.snap.hash.slice(0, 12)}): ${w.summary}`);
}

export async function approvalsSet(flags: CommonFlags & Where & { file?: string; stdin?: boolean }): Promise<void> {
  requireTarget(flags);
  const input = readInput(flags);
  const file = parseFile(input.text, input.source);
  const w = await withOperator(resolveTarget(flags), ADMIN, async (c) => write(c, await load(c, flags), file));
  report(w, flags.json);
}

// ---- allowlist add|remove --------------------------------------------------------------------------

export async function approvalsAllowlist(flags: CommonFlags & Where & { agent?: string; action: "add" | "remove"; pattern: string }): Promise<void> {
  requireTarget(flags);
  const pattern = flags.pattern.trim();
  const agentId = flags.agent?.trim() || "main";
  if (!pattern) throw new UserError("the pattern is empty");
  const r = await withOperator(resolveTarget(flags), ADMIN, async (c) => {
    const cur = await load(c, flags);
    const file = structuredClone(cur.snap.file);
    const agents = (file.agents ??= {});
    const agent = (agents[agentId] ??= {});
    const list = (agent.allowlist ??= []);
    const present = list.some((e) => e.pattern.toLowerCase() === pattern.toLowerCase());
    if (flags.action === "add") {
      if (present) return { label: cur.label, snap: cur.snap, written: undefined };
      list.push({ pattern });
    } else {
      if (!present) throw new UserError(`${cur.label}: agent ${agentId} has no allowlist entry ${pattern}`);
      agent.allowlist = list.filter((e) => e.pattern.toLowerCase() !== pattern.toLowerCase());
    }
    return { label: cur.label, snap: cur.snap, written: await write(c, cur, file) };
  });
  if (!r.written) {
    if (flags.json) return printJson({ target: r.label, oldHash: r.snap.hash, summary: "no changes", ...r.snap });
    return say(`${r.label}: ${pattern} is already allowlisted for agent ${agentId}`);
  }
  report(r.written, flags.json);
}
