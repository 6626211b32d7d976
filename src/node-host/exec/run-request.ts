// The part of system.run and system.run.prepare that is the same for both (node-host.md §4.2–4.3):
// validate params, work out the command text, build the child environment, read the approvals file.
import { join } from "node:path";
import { SystemRunParamsSchema, type SystemRunParams } from "../../protocol/methods.js";
import { validate } from "../../protocol/validate.js";
import { homeDir } from "../../shared/paths.js";
import { APPROVALS_FILE_NAME, readApprovals, type ApprovalsRead } from "../../policy/approvals/file.js";
import { resolveAgentId } from "../../policy/approvals/policy.js";
import { analyzeShellWrapper, resolveCommandText } from "../../policy/shell/command-text.js";
import { INVALID_REQUEST, fail, type CommandContext, type CommandOutcome } from "./context.js";
import { buildChildEnv } from "./env.js";

export interface RunRequest {
  params: SystemRunParams;
  argv: string[];
  /** Display text: the events' `command`, the plan's `commandText`, `lastUsedCommand`. */
  commandText: string;
  cwd: string | undefined;
  /** The request's agentId as sent (undefined when absent or blank). */
  agentId: string | undefined;
  /** The agent whose policy applies ("main" when none was sent). */
  policyAgentId: string;
  sessionKey: string | undefined;
  /** The caller's env overrides (already checked), or undefined. */
  envOverrides: Record<string, string> | undefined;
  childEnv: Record<string, string>;
  shellWrapper: boolean;
  approvalsPath: string;
  approvals: ApprovalsRead;
  home: string;
  pathEnv: string;
}

export function trimmed(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Parses and checks a system.run / system.run.prepare request; a failure is the outcome to return. */
export function parseRunRequest(params: unknown, ctx: CommandContext, method = "system.run"): { ok: true; req: RunRequest } | { ok: false; outcome: CommandOutcome } {
  if (params === undefined || params === null) return { ok: false, outcome: fail(INVALID_REQUEST, "paramsJSON required") };
  const command = (params as { command?: unknown }).command;
  if (!Array.isArray(command) || command.length === 0) return { ok: false, outcome: fail(INVALID_REQUEST, "command required") };
  const checked = validate(SystemRunParamsSchema, params);
  if (!checked.ok) return { ok: false, outcome: fail(INVALID_REQUEST, `invalid ${method} params: ${checked.message}`) };
  const p = checked.value;
  const argv = command.map((item) => String(item));
  const text = resolveCommandText(argv, p.rawCommand);
  if (!text.ok) return { ok: false, outcome: fail(INVALID_REQUEST, text.message) };

  const shellWrapper = analyzeShellWrapper(argv) !== null;
  const env = buildChildEnv(ctx.hostEnv, p.env, { shellWrapper });
  if (!env.ok) return { ok: false, outcome: fail(INVALID_REQUEST, env.message) };
  const envOverrides = p.env ? (Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, String(v)])) as Record<string, string>) : undefined;

  const approvalsPath = join(ctx.stateDir, APPROVALS_FILE_NAME);
  const agentId = trimmed(p.agentId);
  return {
    ok: true,
    req: {
      params: p,
      argv,
      commandText: text.text,
      cwd: trimmed(p.cwd),
      agentId,
      policyAgentId: resolveAgentId(agentId),
      sessionKey: trimmed(p.sessionKey),
      envOverrides: envOverrides && Object.keys(envOverrides).length > 0 ? envOverrides : undefined,
      childEnv: env.env,
      shellWrapper,
      approvalsPath,
      approvals: readApprovals(approvalsPath),
      home: homeDir(ctx.hostEnv),
      pathEnv: env.env.PATH ?? "",
    },
  };
}
