// Whether a system.run may go ahead (node-host.md §3.5). Pure: the caller (evaluate.ts) has already
// resolved the policy, analysed the command and matched the allowlist.
//
//   security \ ask        off            on-miss            always
//   deny                  DISABLED       DISABLED           DISABLED
//   allowlist, hit        run            run                approval required
//   allowlist, miss       allowlist miss approval required  approval required
//   full                  run            run                approval required
//
// With `approved` every cell except deny runs. A POSIX shell wrapper is a hit when its inline command
// is (2026.9.6; 2026.2.26 blocked every shell wrapper); cmd.exe /c never is (evaluate.ts never lets its
// text satisfy the allowlist). A miss by a shell wrapper gets the longer message naming the wrappers.

export type Security = "deny" | "allowlist" | "full";
export type Ask = "off" | "on-miss" | "always";
export type DenyReason = "security=deny" | "approval-required" | "allowlist-miss";

export interface DecisionInput {
  security: Security;
  ask: Ask;
  allowlistSatisfied: boolean;
  analysisOk: boolean;
  shellWrapper: boolean;
  /** The shell wrapper is cmd.exe (its own miss message). */
  windowsShell?: boolean;
  approved: boolean;
}

export type Decision = { allow: true } | { allow: false; reason: DenyReason; message: string };

export const DENY_MESSAGES = {
  disabled: "SYSTEM_RUN_DISABLED: security=deny",
  approvalRequired: "SYSTEM_RUN_DENIED: approval required",
  allowlistMiss: "SYSTEM_RUN_DENIED: allowlist miss",
  allowlistMissShell:
    "SYSTEM_RUN_DENIED: allowlist miss (shell wrappers like sh/bash/zsh -c require approval; approve once/always or run with --ask on-miss|always)",
  allowlistMissWindowsShell:
    "SYSTEM_RUN_DENIED: allowlist miss (Windows shell wrappers like cmd.exe /c require approval; approve once/always or run with --ask on-miss|always)",
} as const;

function coveredByAllowlist(input: DecisionInput): boolean {
  return input.analysisOk && input.allowlistSatisfied;
}

function missMessage(input: DecisionInput): string {
  if (input.windowsShell) return DENY_MESSAGES.allowlistMissWindowsShell;
  return input.shellWrapper ? DENY_MESSAGES.allowlistMissShell : DENY_MESSAGES.allowlistMiss;
}

export function decideExec(input: DecisionInput): Decision {
  if (input.security === "deny") return { allow: false, reason: "security=deny", message: DENY_MESSAGES.disabled };
  const miss = input.security === "allowlist" && !coveredByAllowlist(input);
  const requiresAsk = input.ask === "always" || (input.ask === "on-miss" && miss);
  if (requiresAsk && !input.approved) {
    return { allow: false, reason: "approval-required", message: DENY_MESSAGES.approvalRequired };
  }
  if (miss && !input.approved) {
    return { allow: false, reason: "allowlist-miss", message: missMessage(input) };
  }
  return { allow: true };
}
