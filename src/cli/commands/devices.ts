// `openclaw devices list|approve|reject|remove`.
import { ago, printJson, say, table } from "../output.js";
import { withOperator } from "../rpc.js";
import { resolveTarget } from "../target.js";
import type { CommonFlags } from "./nodes.js";

interface Pending {
  requestId: string;
  deviceId: string;
  displayName?: string;
  platform?: string;
  clientId: string;
  roles: string[];
  scopes: string[];
  remoteIp?: string;
  ts: number;
}
interface Paired {
  deviceId: string;
  displayName?: string;
  label?: string;
  platform?: string;
  clientId: string;
  roles: string[];
  scopes: string[];
  approvedVia: string;
  approvedAtMs: number;
  lastSeenAtMs?: number;
  connected?: boolean;
}

export async function devicesList(flags: CommonFlags): Promise<void> {
  const r = await withOperator(resolveTarget(flags), ["operator.pairing"], (c) => c.call<{ pending: Pending[]; paired: Paired[] }>("device.pair.list", {}));
  if (flags.json) return printJson(r);
  if (r.pending.length) {
    process.stdout.write("Pending\n");
    process.stdout.write(
      table(["REQUEST", "DEVICE", "ID", "CLIENT", "ROLES", "FROM", "AGE"], r.pending.map((p) => [p.requestId, p.displayName ?? "-", p.deviceId.slice(0, 12), p.clientId, p.roles.join(","), p.remoteIp ?? "local", ago(p.ts)])),
    );
    process.stdout.write("\n");
  }
  process.stdout.write("Paired\n");
  process.stdout.write(
    r.paired.length
      ? table(
          ["DEVICE", "ID", "CLIENT", "ROLES", "VIA", "APPROVED", "STATUS"],
          r.paired.map((d) => [d.label ?? d.displayName ?? "-", d.deviceId.slice(0, 12), d.clientId, d.roles.join(","), d.approvedVia, ago(d.approvedAtMs), d.connected ? "connected" : ago(d.lastSeenAtMs) || "offline"]),
        )
      : "  (none)\n",
  );
}

export async function devicesApprove(flags: CommonFlags & { requestId: string }): Promise<void> {
  const r = await withOperator(resolveTarget(flags), ["operator.pairing", "operator.admin"], (c) => c.call<{ device: Paired }>("device.pair.approve", { requestId: flags.requestId }));
  if (flags.json) return printJson(r);
  say(`approved device ${r.device.displayName ?? r.device.deviceId} for ${r.device.roles.join(", ")}`);
}

export async function devicesReject(flags: CommonFlags & { requestId: string }): Promise<void> {
  const r = await withOperator(resolveTarget(flags), ["operator.pairing"], (c) => c.call<{ requestId: string; deviceId: string }>("device.pair.reject", { requestId: flags.requestId }));
  if (flags.json) return printJson(r);
  say(`rejected request ${r.requestId} (device ${r.deviceId.slice(0, 12)})`);
}

export async function devicesRemove(flags: CommonFlags & { deviceId: string }): Promise<void> {
  const r = await withOperator(resolveTarget(flags), ["operator.pairing", "operator.admin"], (c) => c.call<{ deviceId: string }>("device.pair.remove", { deviceId: flags.deviceId }));
  if (flags.json) return printJson(r);
  say(`removed device ${r.deviceId}; it must pair again to reconnect`);
}
