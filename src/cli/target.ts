// Where the operator CLI connects and with which secret: flags → env → config → (loopback only) the
// token a local gateway generated in its state dir.
import { loadConfig, configString, configGet } from "../shared/config.js";
import { configPath, stateDir } from "../shared/paths.js";
import { readGeneratedToken } from "../gateway/auth-config.js";
import type { OperatorTarget } from "./rpc.js";
import { UserError } from "./errors.js";

export interface ConnectionFlags {
  url?: string;
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

export function resolveTarget(flags: ConnectionFlags, defaultTimeoutMs = 10_000, env: NodeJS.ProcessEnv = process.env): OperatorTarget {
  const config = loadConfig(configPath(env));
  const remote = configString(config, "gateway.mode") === "remote";
  const port = configGet(config, "gateway.port");
  const url =
    flags.url ??
    (env.OPENCLAW_GATEWAY_URL?.trim() || undefined) ??
    (remote ? configString(config, "gateway.remote.url") : undefined) ??
    `ws://127.0.0.1:${typeof port === "number" ? port : 18789}`;
  if (!/^wss?:\/\//.test(url)) throw new UserError(`--url must start with ws:// or wss://, got "${url}"`);
  const token =
    flags.token ??
    (env.OPENCLAW_GATEWAY_TOKEN?.trim() || undefined) ??
    configString(config, remote ? "gateway.remote.token" : "gateway.auth.token") ??
    (isLoopbackUrl(url) ? readGeneratedToken(stateDir(env)) : undefined);
  const password = flags.password ?? (env.OPENCLAW_GATEWAY_PASSWORD?.trim() || undefined) ?? configString(config, remote ? "gateway.remote.password" : "gateway.auth.password");
  return {
    url,
    ...(token ? { token } : {}),
    ...(password ? { password } : {}),
    timeoutMs: parseMs(flags.timeout, "--timeout", defaultTimeoutMs),
  };
}
