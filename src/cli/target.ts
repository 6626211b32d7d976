// Where the operator CLI connects and with which secret: flags → env → config → (loopback only) the
// token a local gateway generated in its state dir.
import { loadConfig, configString, configGet } from "../shared/config.js";
import { configPath, stateDir } from "../shared/paths.js";
import { readGeneratedToken } from "../gateway/auth-config.js";
import { inspectCertificate, resolveTlsPaths } from "../gateway/tls.js";
import { INVALID_TLS_FINGERPRINT, normalizeTlsFingerprint } from "../shared/tls-fingerprint.js";
import type { Config } from "../shared/config.js";
import { expandHome, homeDir } from "../shared/paths.js";
import type { OperatorTarget } from "./rpc.js";
import { UserError } from "./errors.js";

export interface ConnectionFlags {
  url?: string;
  tlsFingerprint?: string;
  token?: string;
  password?: string;
  timeout?: string;
}

export function parseMs(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) throw new UserError(`${name} must be a whole number of milliseconds, got "${value}"`);
  return n;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return h === "localhost" || h === "::1" || h.startsWith("127.");
  } catch {
    return false;
  }
}

function localCertificatePin(config: Config, env: NodeJS.ProcessEnv): string | undefined {
  const configured = configString(config, "gateway.tls.certPath");
  const certPath = configured ? expandHome(configured, homeDir(env)) : resolveTlsPaths(stateDir(env)).certPath;
  try {
    return inspectCertificate(certPath).fingerprint;
  } catch {
    return undefined; // no local certificate: CA verification decides
  }
}

export function resolveTarget(flags: ConnectionFlags, defaultTimeoutMs = 10_000, env: NodeJS.ProcessEnv = process.env): OperatorTarget {
  const config = loadConfig(configPath(env));
  const remote = configString(config, "gateway.mode") === "remote";
  const port = configGet(config, "gateway.port");
  const localTls = configGet(config, "gateway.tls.enabled") === true;
  let url =
    flags.url ??
    (env.OPENCLAW_GATEWAY_URL?.trim() || undefined) ??
    (remote ? configString(config, "gateway.remote.url") : undefined) ??
    `${localTls ? "wss" : "ws"}://127.0.0.1:${typeof port === "number" ? port : 18789}`;
  if (!/^wss?:\/\//.test(url)) throw new UserError(`--url must start with ws:// or wss://, got "${url}"`);
  let tlsFingerprint: string | undefined;
  const pinText = flags.tlsFingerprint ?? (remote ? configString(config, "gateway.remote.tlsFingerprint") : undefined);
  if (pinText !== undefined) {
    tlsFingerprint = normalizeTlsFingerprint(pinText);
    if (!tlsFingerprint) throw new UserError(INVALID_TLS_FINGERPRINT);
    // a pin implies TLS (as `node run --tls-fingerprint`)
    if (url.startsWith("ws://")) url = `wss://${url.slice(5)}`;
  } else if (url.startsWith("wss://") && isLoopbackUrl(url)) {
    // the local gateway's own certificate, like its generated token: trusted because it is ours
    tlsFingerprint = localCertificatePin(config, env);
  }
  const token =
    flags.token ??
    (env.OPENCLAW_GATEWAY_TOKEN?.trim() || undefined) ??
    configString(config, remote ? "gateway.remote.token" : "gateway.auth.token") ??
    (isLoopbackUrl(url) ? readGeneratedToken(stateDir(env)) : undefined);
  const password = flags.password ?? (env.OPENCLAW_GATEWAY_PASSWORD?.trim() || undefined) ?? configString(config, remote ? "gateway.remote.password" : "gateway.auth.password");
  return {
    url,
    ...(tlsFingerprint ? { tlsFingerprint } : {}),
    ...(token ? { token } : {}),
    ...(password ? { password } : {}),
    timeoutMs: parseMs(flags.timeout, "--timeout", defaultTimeoutMs),
  };
}
