// `openclaw gateway run`.
import { loadConfig, configGet, configString } from "../../shared/config.js";
import { configPath, expandHome, homeDir, stateDir } from "../../shared/paths.js";
import { createLogger } from "../../shared/log.js";
import { resolveGatewayAuth } from "../../gateway/auth-config.js";
import { Gateway } from "../../gateway/gateway.js";
import { GatewayTlsError, inspectCertificate, loadGatewayTls, resolveTlsPaths, type GatewayTlsMaterial } from "../../gateway/tls.js";
import { colonFingerprint } from "../../shared/tls-fingerprint.js";
import type { Config } from "../../shared/config.js";
import { printJson } from "../output.js";
import { UserError } from "../errors.js";

export interface GatewayRunFlags {
  port?: string;
  bind?: string;
  token?: string;
  password?: string;
  auth?: string;
  tickInterval?: string;
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

export function parsePort(value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`Invalid --port. Use a port number from 1 to 65535, for example 18789.`);
  return n;
}

export function bindAddress(bind: string | undefined): string {
  switch (bind ?? "loopback") {
    case "loopback":
      return "127.0.0.1";
    case "lan":
    case "all":
      return "0.0.0.0";
    default:
      return bind!;
  }
}

export async function startGatewayFromCli(flags: GatewayRunFlags, env: NodeJS.ProcessEnv = process.env): Promise<Gateway> {
  const dir = stateDir(env);
  const config = loadConfig(configPath(env));
  const { auth, generatedAt } = resolveGatewayAuth(
    dir,
    { token: flags.token, password: flags.password, mode: flags.auth },
    env,
    { token: configString(config, "gateway.auth.token"), password: configString(config, "gateway.auth.password"), mode: configString(config, "gateway.auth.mode") },
  );
  const log = createLogger("[gateway]");
  const host = bindAddress(flags.bind ?? configString(config, "gateway.bind"));
  const port = parsePort(flags.port ?? (configGet(config, "gateway.port") as number | undefined), 18789);
  const strList = (k: string) => {
    const v = configGet(config, k);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  };
  let tls: GatewayTlsMaterial | undefined;
  if (tlsEnabled(flags, config)) {
    try {
      tls = await loadGatewayTls({ stateDir: dir, ...tlsPathFlags(flags, config), log });
    } catch (err) {
      if (err instanceof GatewayTlsError) throw new UserError(err.message);
      throw err;
    }
  }
  let gw: Gateway;
  try {
    gw = await Gateway.start({
      stateDir: dir,
      auth,
      host,
      port,
      log,
      autoApproveLocal: configGet(config, "gateway.nodes.pairing.autoApproveLocal") === true,
      commandPolicy: { allow: strList("gateway.nodes.commands.allow"), deny: strList("gateway.nodes.commands.deny") },
      ...(flags.tickInterval ? { tickIntervalMs: Number(flags.tickInterval) } : {}),
      ...(typeof configGet(config, "gateway.nodes.maxConcurrentInvokes") === "number" ? { maxConcurrentInvokes: configGet(config, "gateway.nodes.maxConcurrentInvokes") as number } : {}),
      ...(tls ? { tls: { cert: tls.cert, key: tls.key, fingerprint: tls.fingerprint } } : {}),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "EADDRINUSE") throw new UserError(`port ${port} on ${host} is already in use (another gateway running?); pick another with --port`);
    throw err;
  }
  log.info(`listening on ${gw.url()} (state: ${dir})`);
  if (tls) {
    log.info(`tls: certificate ${tls.certPath} (${tls.subject}, expires ${tls.validTo}), TLS 1.3 minimum`);
    log.info(`tls: SHA-256 fingerprint ${tls.fingerprint}`);
    log.info(`tls: nodes pin it with: openclaw node run --host <this host> --port ${gw.port} --tls-fingerprint ${tls.fingerprint}`);
  } else if (host !== "127.0.0.1" && host !== "::1") {
    log.warn(`bound to ${host}: reachable from the network over plain ws://; nodes refuse plain ws:// to non-loopback hosts by default. Use --tls`);
  }
  if (auth.mode === "none") log.warn("auth is off (--auth none): anyone who can reach the port can operate this gateway");
  else if (generatedAt) log.info(`shared token: generated and stored in ${generatedAt} (mode 0600); local \`openclaw nodes …\` finds it there`);
  return gw;
}

/** `--tls`, a given certificate, or config `gateway.tls.enabled` (`--no-tls` wins). */
function tlsEnabled(flags: GatewayRunFlags, config: Config): boolean {
  if (flags.tls === false) {
    if (flags.tlsCert || flags.tlsKey) throw new UserError("--no-tls cannot be combined with --tls-cert/--tls-key");
    return false;
  }
  return flags.tls === true || Boolean(flags.tlsCert || flags.tlsKey) || configGet(config, "gateway.tls.enabled") === true;
}

function tlsPathFlags(flags: { tlsCert?: string; tlsKey?: string }, config: Config): { certPath?: string; keyPath?: string } {
  const env = process.env;
  const expand = (p: string | undefined) => (p ? expandHome(p, homeDir(env)) : undefined);
  // flags replace the configured pair as a whole
  const fromFlags = Boolean(flags.tlsCert || flags.tlsKey);
  const certPath = expand(fromFlags ? flags.tlsCert : configString(config, "gateway.tls.certPath"));
  const keyPath = expand(fromFlags ? flags.tlsKey : configString(config, "gateway.tls.keyPath"));
  return { ...(certPath ? { certPath } : {}), ...(keyPath ? { keyPath } : {}) };
}

/** `openclaw gateway fingerprint`: the SHA-256 pin of this machine's gateway certificate (no key needed). */
export function gatewayFingerprint(flags: { json?: boolean; tlsCert?: string }): number {
  const env = process.env;
  const dir = stateDir(env);
  const config = loadConfig(configPath(env));
  const configuredCert = flags.tlsCert ?? configString(config, "gateway.tls.certPath");
  const certPath = configuredCert ? expandHome(configuredCert, homeDir(env)) : resolveTlsPaths(dir).certPath;
  let info: ReturnType<typeof inspectCertificate>;
  try {
    info = inspectCertificate(certPath);
  } catch (err) {
    if ((err as Error).message.includes("ENOENT")) {
      throw new UserError(`no gateway TLS certificate at ${certPath}: start the gateway once with \`openclaw gateway run --tls\` to generate it (or pass --tls-cert <file>)`);
    }
    throw new UserError((err as Error).message);
  }
  const port = configGet(config, "gateway.port");
  if (flags.json) {
    printJson({ fingerprintSha256: info.fingerprint, fingerprintColon: colonFingerprint(info.fingerprint), certPath, subject: info.subject, validTo: info.validTo });
    return 0;
  }
  // stdout is the pin alone (scriptable: --tls-fingerprint "$(openclaw gateway fingerprint)"); the talk goes to stderr
  process.stdout.write(`${info.fingerprint}\n`);
  process.stderr.write(
    `SHA-256 fingerprint of ${certPath}\n(${info.subject}, expires ${info.validTo}; colon form ${colonFingerprint(info.fingerprint)})\n` +
      `Pin it on a node:  openclaw node run --host <this host> --port ${typeof port === "number" ? port : 18789} --tls-fingerprint ${info.fingerprint}\n` +
      `Operator CLI:      openclaw nodes list --url wss://<this host>:${typeof port === "number" ? port : 18789} --tls-fingerprint ${info.fingerprint}\n`,
  );
  return 0;
}

export async function gatewayRun(flags: GatewayRunFlags): Promise<void> {
  const gw = await startGatewayFromCli(flags);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.stderr.write(`[gateway] ${sig}: shutting down\n`);
      void gw.stop().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
