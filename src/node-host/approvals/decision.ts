// Whether a system.run may go ahead (node-host.md §3.5). Pure: the caller has already resolved the
// policy and matched the allowlist.
//
//   security \ ask        off            on-miss            always
//   deny                  DISABLED       DISABLED           DISABLED
//   allowlist, hit        run            run                approval required
//   allowlist, miss       allowlist miss approval required  approval required
//   full                  run            run                approval required
//
// With `approved` every cell except deny runs. A shell wrapper in allowlist mode counts as a miss.

export type Security = "deny" | "allowlist" | "full";
export type Ask = "off" | "on-miss" | "always";
export type DenyReason = "security=deny" | "approval-required" | "allowlist-miss";

export interface DecisionInput {
  security: Security;
  ask: Ask;
  allowlistSatisfied: boolean;
  analysisOk: boolean;
  shellWrapper: boolean;
  approved: boolean;
}

export type Decision = { allow: true } | { allow: false; reason: DenyReason; message: string };

export const DENY_MESSAGES = {
  disabled: "SYSTEM_RUN_DISABLED: security=deny",
  approvalRequired: "SYSTEM_RUN_DENIED: approval required",
  allowlistMiss: "SYSTEM_RUN_DENIED: allowlist miss",
  allowlistMissShell:
    "SYSTEM_RUN_DENIED: allowlist miss (shell wrappers like sh/bash/zsh -c require approval; approve once/always or run with --ask on-miss|always)",
} as const;

// Whether the command counts as covered by the allowlist. Shell text is not analysed yet, so a shell
// wrapper never is; when shell analysis lands, its verdict plugs in here.
function coveredByAllowlist(input: DecisionInput): boolean {
  if (input.shellWrapper) return false;
  return input.analysisOk && input.allowlistSatisfied;
}

export function decideExec(input: DecisionInput): Decision {
  if (input.security === "deny") return { allow: false, reason: "security=deny", message: DENY_MESSAGES.disabled };
  const miss = input.security === "allowlist" && !coveredByAllowlist(input);
  const requiresAsk = input.ask === "always" || (input.ask === "on-miss" && miss);
  if (requiresAsk && !input.approved) {
    return { allow: false, reason: "approval-required", message: DENY_MESSAGES.approvalRequired };
  }
  if (miss && !input.approved) {
    const message = input.shellWrapper ? DENY_MESSAGES.allowlistMissShell : DENY_MESSAGES.allowlistMiss;
    return { allow: false, reason: "allowlist-miss", message };
  }
  return { allow: true };
}
