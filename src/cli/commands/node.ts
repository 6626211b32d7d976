// `openclaw node run` and `openclaw node identity`.
import { stateDir } from "../../shared/paths.js";
import { loadIdentity } from "../../node-host/identity.js";
import { NodeHost } from "../../node-host/node-host.js";
import { UserError } from "../errors.js";
import { printJson } from "../output.js";
import { parsePort } from "./gateway.js";

export interface NodeRunFlags {
  host?: string;
  port?: string;
  tls?: boolean;
  tlsFingerprint?: string;
  nodeId?: string;
  displayName?: string;
  pair?: string;
}

export async function nodeRun(flags: NodeRunFlags): Promise<number> {
  if (flags.tls || flags.tlsFingerprint) {
    throw new UserError("TLS (--tls, --tls-fingerprint) is not implemented in this version of openclaw-lite yet; connect over ws:// on loopback or a trusted network");
  }
  let exitCode = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const host = new NodeHost({
    stateDir: stateDir(),
    ...(flags.host ? { host: flags.host.trim() } : {}),
    ...(flags.port !== undefined ? { port: parsePort(flags.port, 18789) } : {}),
    ...(flags.nodeId ? { nodeId: flags.nodeId.trim() } : {}),
    ...(flags.displayName ? { displayName: flags.displayName.trim() } : {}),
    ...(flags.pair ? { pair: flags.pair } : {}),
    onFatal: () => {
      exitCode = 1;
      resolveDone();
    },
  });
  host.start();
  const onSignal = (code: number) => () => {
    exitCode = code;
    resolveDone();
  };
  process.once("SIGINT", onSignal(130));
  process.once("SIGTERM", onSignal(143));
  await done;
  await host.stop();
  return exitCode === 130 || exitCode === 143 ? 0 : exitCode;
}

export function nodeIdentity(flags: { json?: boolean }): number {
  const id = loadIdentity(stateDir());
  if (!id) throw new UserError("no node device identity found (start the node host once with `openclaw node run`)");
  if (flags.json) printJson({ deviceId: id.deviceId, publicKey: id.publicKey });
  else process.stdout.write(`deviceId   ${id.deviceId}\npublicKey  ${id.publicKey}\n`);
  return 0;
}
