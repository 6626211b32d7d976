// `openclaw node run` and `openclaw node identity`.
import { readFileSync, statSync } from "node:fs";
import { configPath, stateDir } from "../../shared/paths.js";
import { SERVICE_PROXY_VARS, SERVICE_SECRET_VARS, parseEnvFile } from "../../node-host/service/env-file.js";
import { configGet, loadConfig } from "../../shared/config.js";
import { INVALID_TLS_FINGERPRINT, normalizeTlsFingerprint } from "../../shared/tls-fingerprint.js";
import { loadIdentity } from "../../node-host/identity.js";
import { JoinCodeError, NodeHost } from "../../node-host/node-host.js";
import { GatewayTransportError } from "../../shared/gateway-socket.js";
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
  /** The service's 0600 credentials file (launchd / Task Scheduler cannot read one themselves). */
  envFile?: string;
}

/**
 * Loads credentials and proxy settings from `--env-file` into process.env (variables already set win).
 * Only the service's own variables are taken; a missing file is fine (installed without credentials).
 */
export function loadServiceEnvFile(path: string, env: NodeJS.ProcessEnv = process.env, warn: (m: string) => void = (m) => process.stderr.write(`[node] warn: ${m}\n`)): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
    if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0) warn(`${path} is readable by other users; run: chmod 600 ${path}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UserError(`cannot read --env-file ${path}: ${(err as Error).message}`);
  }
  const allowed = new Set<string>([...SERVICE_SECRET_VARS, ...SERVICE_PROXY_VARS]);
  const loaded: string[] = [];
  for (const [k, v] of Object.entries(parseEnvFile(text))) {
    if (!allowed.has(k) || env[k]) continue;
    env[k] = v;
    loaded.push(k);
  }
  return loaded;
}

/** Validates the TLS flags: `--tls-fingerprint` is normalised (exit 1 when unusable) and implies TLS. */
export function nodeTlsFlags(flags: Pick<NodeRunFlags, "tls" | "tlsFingerprint">): { tls?: boolean; tlsFingerprint?: string } {
  if (flags.tlsFingerprint === undefined) return flags.tls === undefined ? {} : { tls: flags.tls };
  if (flags.tls === false) throw new UserError("--no-tls cannot be combined with --tls-fingerprint");
  const pin = normalizeTlsFingerprint(flags.tlsFingerprint);
  if (!pin) throw new UserError(INVALID_TLS_FINGERPRINT);
  return { tls: true, tlsFingerprint: pin };
}

export async function nodeRun(flags: NodeRunFlags): Promise<number> {
  const tls = nodeTlsFlags(flags);
  if (flags.envFile) loadServiceEnvFile(flags.envFile);
  const configTls = configGet(loadConfig(configPath()), "gateway.tls.enabled") === true;
  let exitCode = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let host: NodeHost;
  try {
    host = new NodeHost({
    stateDir: stateDir(),
    ...(flags.host ? { host: flags.host.trim() } : {}),
    ...(flags.port !== undefined ? { port: parsePort(flags.port, 18789) } : {}),
    ...(flags.nodeId ? { nodeId: flags.nodeId.trim() } : {}),
    ...(flags.displayName ? { displayName: flags.displayName.trim() } : {}),
    ...(flags.pair ? { pair: flags.pair } : {}),
    ...tls,
    ...(configTls ? { configTls } : {}),
    onFatal: () => {
      exitCode = 1;
      resolveDone();
    },
  });
  } catch (err) {
    // a refused ws:// url, a pin without TLS, a bad join code: configuration, not a bug
    if (err instanceof GatewayTransportError || err instanceof JoinCodeError) throw new UserError(err.message);
    throw err;
  }
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
