// Resolving the gateway's shared secret: flags → env → config → a token generated on first start
// and kept (0600) in `<stateDir>/gateway-auth.json`, where a local operator CLI finds it.
import { join } from "node:path";
import { readJsonFile, writeJsonAtomic } from "../shared/fs-atomic.js";
import { newToken } from "./pairing-store.js";
import type { GatewayAuth } from "./shared-auth.js";

export function gatewayAuthFile(stateDir: string): string {
  return join(stateDir, "gateway-auth.json");
}

export interface AuthSources {
  token?: string | undefined;
  password?: string | undefined;
  mode?: string | undefined;
}

/** Reads the generated token file (or undefined). Never throws. */
export function readGeneratedToken(stateDir: string): string | undefined {
  const r = readJsonFile<{ token?: unknown }>(gatewayAuthFile(stateDir));
  return r.kind === "ok" && typeof r.value?.token === "string" && r.value.token ? r.value.token : undefined;
}

export function resolveGatewayAuth(stateDir: string, flags: AuthSources, env: NodeJS.ProcessEnv, config: AuthSources): { auth: GatewayAuth; generatedAt?: string } {
  const token = flags.token || env.OPENCLAW_GATEWAY_TOKEN?.trim() || config.token || undefined;
  const password = flags.password || env.OPENCLAW_GATEWAY_PASSWORD?.trim() || config.password || undefined;
  const mode = flags.mode ?? config.mode;
  if (mode === "none") return { auth: { mode: "none" } };
  if (mode === "password" || (!token && password && mode !== "token")) {
    if (!password) throw new Error("gateway.auth.mode is password but no password is set (use --password or OPENCLAW_GATEWAY_PASSWORD)");
    return { auth: { mode: "password", password } };
  }
  if (token) return { auth: { mode: "token", token } };
  const path = gatewayAuthFile(stateDir);
  const existing = readGeneratedToken(stateDir);
  if (existing) return { auth: { mode: "token", token: existing }, generatedAt: path };
  const generated = newToken();
  writeJsonAtomic(path, { version: 1, token: generated, createdAtMs: Date.now() });
  return { auth: { mode: "token", token: generated }, generatedAt: path };
}
