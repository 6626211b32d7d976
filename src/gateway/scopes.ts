// Which role may call a method and which operator scope it needs (protocol.md §7, §7.9).

export type MethodAccess = { role: "any" } | { role: "node" } | { role: "operator"; scope: string };

const NODE_METHODS = [
  "node.invoke.result",
  "node.invoke.progress",
  "node.event",
  "node.pending.pull",
  "node.pending.ack",
  "node.pending.drain",
  "node.pluginTools.update",
  "node.skills.update",
  "node.runnerInventory.update",
  "node.pluginSurface.refresh",
  "skills.bins",
];

const OPERATOR_SCOPES: Record<string, string> = {
  status: "operator.read",
  "node.list": "operator.read",
  "node.describe": "operator.read",
  "system-presence": "operator.read",
  "node.invoke": "operator.write",
  "node.rename": "operator.pairing",
  "node.pair.list": "operator.pairing",
  "node.pair.approve": "operator.pairing",
  "node.pair.reject": "operator.pairing",
  "node.pair.remove": "operator.pairing",
  "device.pair.list": "operator.pairing",
  "device.pair.approve": "operator.pairing",
  "device.pair.reject": "operator.pairing",
  "device.pair.remove": "operator.pairing",
  "device.pair.rename": "operator.pairing",
  "device.token.rotate": "operator.pairing",
  "device.token.revoke": "operator.pairing",
  "device.pair.setupCode": "operator.admin",
  "exec.approvals.get": "operator.admin",
  "exec.approvals.set": "operator.admin",
  "exec.approvals.node.get": "operator.admin",
  "exec.approvals.node.set": "operator.admin",
  "exec.approvals.log": "operator.admin",
  "exec.approval.request": "operator.approvals",
  "exec.approval.resolve": "operator.approvals",
  "exec.approval.get": "operator.approvals",
  "exec.approval.list": "operator.approvals",
  "exec.approval.waitDecision": "operator.approvals",
};

export function methodAccess(method: string): MethodAccess | undefined {
  if (method === "health") return { role: "any" };
  if (NODE_METHODS.includes(method)) return { role: "node" };
  const scope = OPERATOR_SCOPES[method];
  return scope ? { role: "operator", scope } : undefined;
}

export const ADVERTISED_EVENTS = [
  "connect.challenge",
  "tick",
  "shutdown",
  "health",
  "node.invoke.request",
  "node.invoke.cancel",
  "node.pair.requested",
  "node.pair.resolved",
  "device.pair.requested",
  "device.pair.resolved",
  "node.hostStats",
  "presence",
  "exec.approval.requested",
  "exec.approval.resolved",
];

/** Does a socket holding `held` satisfy `required`? (operator.admin satisfies everything.) */
export function scopeSatisfied(held: readonly string[], required: string): boolean {
  if (held.includes("operator.admin") || held.includes(required)) return true;
  switch (required) {
    case "operator.read":
      return held.includes("operator.write");
    case "operator.talk":
    case "operator.sessions.write":
      return held.includes("operator.write");
    case "operator.sessions.read":
      return held.includes("operator.write") || held.includes("operator.read") || held.includes("operator.sessions.write");
    default:
      return false;
  }
}

/** Which event a socket may receive (fail closed for events without a rule). */
export function eventScope(event: string): string | "any" | undefined {
  switch (event) {
    case "tick":
    case "shutdown":
    case "health":
      return "any";
    case "presence":
    case "node.hostStats":
      return "operator.read";
    case "node.pair.requested":
    case "node.pair.resolved":
    case "device.pair.requested":
    case "device.pair.resolved":
      return "operator.pairing";
    case "exec.approval.requested":
    case "exec.approval.resolved":
      return "operator.approvals";
    default:
      return undefined;
  }
}
