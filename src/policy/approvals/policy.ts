// The policy one request runs under (node-host.md §3.4): each knob from the agent, else the `*` agent,
// else `defaults`, else the built-in default; the `*` allowlist is prepended to the agent's own.
import type { Ask, Security } from "./decision.js";
import { ownValue, type AgentApprovals, type AllowlistEntry, type ExecApprovalsFile } from "./schema.js";

export interface EffectivePolicy {
  security: Security;
  ask: Ask;
  askFallback: Security;
  autoAllowSkills: boolean;
  allowlist: AllowlistEntry[];
}

export const DEFAULT_AGENT_ID = "main";
export const BUILTIN_POLICY = { security: "allowlist", ask: "on-miss", askFallback: "deny", autoAllowSkills: false } as const;

/** The agent id a request selects: trimmed, and "main" when absent or blank. */
export function resolveAgentId(agentId: string | null | undefined): string {
  return agentId?.trim() || DEFAULT_AGENT_ID;
}

export function effectivePolicy(file: ExecApprovalsFile | undefined, agentId?: string): EffectivePolicy {
  const agents = file?.agents as Record<string, unknown> | undefined;
  const agent = ownValue(agents, resolveAgentId(agentId)) as AgentApprovals | undefined;
  const wild = ownValue(agents, "*") as AgentApprovals | undefined;
  const defaults = file?.defaults;
  return {
    security: agent?.security ?? wild?.security ?? defaults?.security ?? BUILTIN_POLICY.security,
    ask: agent?.ask ?? wild?.ask ?? defaults?.ask ?? BUILTIN_POLICY.ask,
    askFallback: agent?.askFallback ?? wild?.askFallback ?? defaults?.askFallback ?? BUILTIN_POLICY.askFallback,
    autoAllowSkills: agent?.autoAllowSkills ?? wild?.autoAllowSkills ?? defaults?.autoAllowSkills ?? BUILTIN_POLICY.autoAllowSkills,
    allowlist: [...(wild?.allowlist ?? []), ...(agent === wild ? [] : (agent?.allowlist ?? []))],
  };
}
