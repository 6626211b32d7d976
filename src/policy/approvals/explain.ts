// What an exec-approvals file means for one agent, in words (`openclaw approvals get`): the effective
// knobs (policy.ts), which level set each of them, the allowlist, and one sentence of what happens to
// a command (decision.ts matrix; an unanswered approval runs under min(security, askFallback) with
// ask off, node-host.md §3.5). Pure.
import type { Ask, Security } from "./decision.js";
import { DEFAULT_AGENT_ID, effectivePolicy } from "./policy.js";
import { ownValue, type AgentApprovals, type ExecApprovalsFile } from "./schema.js";

/** The level a knob came from: the agent's own entry, the `*` agent, `defaults`, or the built-in default. */
export type KnobSource = "agent" | "*" | "defaults" | "built-in";
type Knob = "security" | "ask" | "askFallback";

export interface AgentExplanation {
  agentId: string;
  security: Security;
  ask: Ask;
  askFallback: Security;
  from: Record<Knob, KnobSource>;
  allowlist: { pattern: string; from: "agent" | "*" }[];
  /** One sentence: what happens to a command run as this agent. */
  happens: string;
  /** Which level set each knob, e.g. "security allowlist (defaults), ask on-miss (built-in), …". */
  why: string;
}

export interface ExplainOptions {
  /** Executables that run without an allowlist entry (safe bins); none unless the node implements them. */
  safeBins?: readonly string[];
}

const APPROVAL = "waits for an operator's approval (openclaw approvals pending)";
const RANK: Record<Security, number> = { deny: 0, allowlist: 1, full: 2 };

function sourceOf(knob: Knob, own: AgentApprovals | undefined, wild: AgentApprovals | undefined, defaults: ExecApprovalsFile["defaults"]): KnobSource {
  if (own?.[knob] !== undefined) return "agent";
  if (wild?.[knob] !== undefined) return "*";
  if (defaults?.[knob] !== undefined) return "defaults";
  return "built-in";
}

function label(source: KnobSource, agentId: string): string {
  if (source === "agent") return `agents.${agentId}`;
  if (source === "*") return "agents.*";
  return source === "defaults" ? "defaults" : "built-in default";
}

// What an unanswered approval turns into. `allowlistedAsked`: were allowlisted commands asked too (ask always)?
function fallback(security: Security, askFallback: Security, allowlistedAsked: boolean): string {
  const capped = RANK[askFallback] > RANK[security] ? ` capped at security ${security}` : "";
  const effective = RANK[askFallback] > RANK[security] ? security : askFallback;
  if (effective === "deny") return `no answer in time → denied (askFallback ${askFallback})`;
  if (effective === "allowlist") {
    return allowlistedAsked
      ? `no answer in time → runs only if allowlisted (askFallback ${askFallback}${capped})`
      : `no answer in time → denied (askFallback ${askFallback}${capped} lets only allowlisted commands through)`;
  }
  return `no answer in time → runs anyway (askFallback ${askFallback})`;
}

function sentence(security: Security, ask: Ask, askFallback: Security, patterns: string[], safeBins: readonly string[]): string {
  if (security === "deny") return "nothing runs: every command is refused (security deny)";
  if (ask === "always") return `every command ${APPROVAL}, even an allowlisted one; ${fallback(security, askFallback, true)}`;
  if (security === "full") return `every command runs without asking (security full, ask ${ask})`;
  const wildcard = patterns.some((p) => p.trim() === "*");
  const onMiss = ask === "on-miss" ? `${APPROVAL}; ${fallback(security, askFallback, false)}` : "is denied without asking (ask off)";
  if (wildcard) return `every command runs (the allowlist holds *), except a shell wrapper such as sh -c, which ${onMiss}`;
  const safe = safeBins.length ? ` (and safe bins ${safeBins.join(" ")})` : "";
  if (patterns.length === 0 && !safe) return `nothing is allowlisted, so every command ${onMiss}`;
  return `allowlisted commands${safe} run; anything else (and any shell wrapper such as sh -c) ${onMiss}`;
}

export function explainAgent(file: ExecApprovalsFile | undefined, agentId: string, opts: ExplainOptions = {}): AgentExplanation {
  const agents = file?.agents as Record<string, unknown> | undefined;
  const wild = ownValue(agents, "*") as AgentApprovals | undefined;
  const own = agentId === "*" ? undefined : (ownValue(agents, agentId) as AgentApprovals | undefined);
  const policy = effectivePolicy(file, agentId);
  const from = {
    security: sourceOf("security", own, wild, file?.defaults),
    ask: sourceOf("ask", own, wild, file?.defaults),
    askFallback: sourceOf("askFallback", own, wild, file?.defaults),
  };
  const allowlist = [
    ...(wild?.allowlist ?? []).map((e) => ({ pattern: e.pattern, from: "*" as const })),
    ...(own?.allowlist ?? []).map((e) => ({ pattern: e.pattern, from: "agent" as const })),
  ];
  const knobs = { security: policy.security, ask: policy.ask, askFallback: policy.askFallback };
  return {
    agentId,
    ...knobs,
    from,
    allowlist,
    happens: sentence(policy.security, policy.ask, policy.askFallback, allowlist.map((e) => e.pattern), opts.safeBins ?? []),
    why: (["security", "ask", "askFallback"] as const).map((k) => `${k} ${knobs[k]} (${label(from[k], agentId)})`).join(", "),
  };
}

/** Every agent of the file, plus "main" (the default agent) and "*" (any agent without an entry of its own). */
export function explainApprovals(file: ExecApprovalsFile | undefined, opts: ExplainOptions = {}): AgentExplanation[] {
  const ids = [DEFAULT_AGENT_ID, ...Object.keys(file?.agents ?? {}).filter((id) => id !== DEFAULT_AGENT_ID && id !== "*"), "*"];
  return ids.map((id) => explainAgent(file, id, opts));
}

