// `openclaw nodes run`: run a command on a node; when the node's exec approvals ask for a human,
// file an approval request, say who must answer and where, wait, then run (or apply askFallback).
import { randomUUID } from "node:crypto";
import type { SystemRunResult } from "../../protocol/methods.js";
import { GatewayError, UserError } from "../errors.js";
import { printJson, say } from "../output.js";
import { withOperator, type OperatorClient } from "../rpc.js";
import { parseMs, resolveTarget } from "../target.js";
import { listNodes, pickNode, type CommonFlags } from "./nodes.js";

export interface RunFlags extends CommonFlags {
  node: string;
  cwd?: string;
  env?: string[];
  commandTimeout?: string;
  raw?: string;
  agent?: string;
  approvalTimeout?: string;
  ask?: boolean;
}

function parseEnv(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i <= 0) throw new UserError(`--env takes KEY=VALUE, got "${p}"`);
    env[p.slice(0, i)] = p.slice(i + 1);
  }
  return env;
}

function nodeErrorOf(err: unknown): { code?: string; message?: string } | undefined {
  return err instanceof GatewayError ? (err.details as { nodeError?: { code?: string; message?: string } } | undefined)?.nodeError : undefined;
}

interface Decision {
  id: string;
  decision: "allow-once" | "allow-always" | "deny" | null;
  resolvedBy?: string;
  expiresAtMs: number;
}

/** Files an approval request for the run and waits for the answer, telling the user what to do. */
async function askForApproval(c: OperatorClient, url: string, nodeId: string, nodeName: string, params: Record<string, unknown>, timeoutMs: number, json: boolean): Promise<Decision> {
  const argv = params.command as string[];
  let announced = false;
  const final = await c.callTwoPhase<Decision>(
    "exec.approval.request",
    {
      host: "node",
      nodeId,
      commandArgv: argv,
      ...(params.rawCommand ? { rawCommand: params.rawCommand } : {}),
      ...(params.cwd ? { cwd: params.cwd } : {}),
      ...(params.env ? { env: params.env } : {}),
      ...(params.agentId ? { agentId: params.agentId } : {}),
      timeoutMs,
      twoPhase: true,
    },
    (interim) => {
      const r = interim as { id: string; expiresAtMs: number; request?: { command?: string; cwd?: string | null; allowAlwaysPatterns?: string[] } };
      announced = true;
      if (json) return;
      say(`approval required: ${nodeName}'s exec approvals ask a human before running \`${r.request?.command ?? argv.join(" ")}\`${r.request?.cwd ? ` in ${r.request.cwd}` : ""}.`);
      say(`request ${r.id}, expires in ${Math.round((r.expiresAtMs - Date.now()) / 1000)} s. An operator of the gateway ${url} answers with:`);
      say(`  openclaw approvals resolve ${r.id} allow-once${r.request?.allowAlwaysPatterns?.length ? `|allow-always` : ""}|deny`);
      if (r.request?.allowAlwaysPatterns?.length) say(`  (allow-always adds ${r.request.allowAlwaysPatterns.join(", ")} to the node's allowlist)`);
      say("waiting…");
    },
    timeoutMs + 10_000,
  );
  if (!announced && !json) say(`approval ${final.id} answered at once`);
  return final;
}

export async function nodesRun(flags: RunFlags, argv: string[]): Promise<number> {
  if (flags.raw !== undefined && argv.length > 0) throw new UserError('give either --raw "shell string" or a command after --, not both');
  if (flags.raw === undefined && argv.length === 0) throw new UserError("nothing to run: give a command after --, e.g. openclaw nodes run --node <name> -- uname -a");
  const commandTimeout = flags.commandTimeout !== undefined ? parseMs(flags.commandTimeout, "--command-timeout", 0) : undefined;
  const approvalTimeout = parseMs(flags.approvalTimeout, "--approval-timeout", 120_000);
  // the invoke must outlive the command's own timeout, or the gateway would cancel it first
  const invokeTimeout = commandTimeout ? commandTimeout + 5000 : 30_000;
  const target = resolveTarget(flags, invokeTimeout + 5000);
  const env = parseEnv(flags.env);
  const params: Record<string, unknown> = flags.raw !== undefined ? { command: ["/bin/sh", "-c", flags.raw], rawCommand: flags.raw } : { command: argv };
  if (flags.cwd) params.cwd = flags.cwd;
  if (env) params.env = env;
  if (commandTimeout) params.timeoutMs = commandTimeout;
  // always explicit: the real node host applies no agent's allowlist when agentId is missing (help says default main)
  params.agentId = flags.agent ?? "main";

  const result = await withOperator(target, ["operator.read", "operator.write", "operator.approvals"], async (c) => {
    const node = pickNode(await listNodes(c), flags.node);
    const invoke = (p: Record<string, unknown>) =>
      c.call<{ payload: SystemRunResult }>("node.invoke", { nodeId: node.nodeId, command: "system.run", params: p, timeoutMs: invokeTimeout, idempotencyKey: randomUUID() }, target.timeoutMs);
    try {
      return await invoke(params);
    } catch (err) {
      const ne = nodeErrorOf(err);
      if (!(ne?.code === "SYSTEM_RUN_DENIED" && /approval required/.test(ne.message ?? "")) || flags.ask === false) throw err;
    }
    const d = await askForApproval(c, target.url, node.nodeId, node.displayName ?? node.nodeId.slice(0, 12), params, approvalTimeout, Boolean(flags.json));
    if (d.decision === "deny") throw new UserError(`denied by ${d.resolvedBy ?? "an operator"} (approval ${d.id})`, 126);
    if (d.decision === null && !flags.json) say(`no answer within ${Math.round(approvalTimeout / 1000)} s; the node's askFallback decides`);
    else if (!flags.json) say(`${d.decision} by ${d.resolvedBy ?? "an operator"}; running`);
    return invoke({ ...params, runId: d.id });
  }).catch((err: unknown) => {
    const ne = nodeErrorOf(err);
    if (ne?.code === "SYSTEM_RUN_DENIED") {
      throw new UserError(`${ne.message ?? (err as Error).message}\nthe node's exec approvals refused this command (see README "Exec approvals": openclaw approvals get --node ${flags.node})`, 126);
    }
    if (ne?.code === "TIMEOUT") throw new UserError(`${(err as Error).message}; raise --command-timeout for long commands`, 124);
    throw err;
  });
  const p = result.payload;
  if (flags.json) {
    printJson(p);
  } else {
    process.stdout.write(p.stdout);
    process.stderr.write(p.stderr);
    if (p.error) say(`error: ${p.error}`);
    if (p.timedOut) say(`timed out after ${commandTimeout} ms (killed)`);
  }
  if (p.exitCode !== undefined) return p.exitCode;
  return p.success ? 0 : 127;
}
