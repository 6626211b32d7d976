// Shared-secret check and the auth failure texts (protocol.md §4.1, §4.5).
import { ConnectDetailCodes as D } from "../protocol/codes.js";
import type { ConnectAuth } from "../protocol/frames.js";
import { safeEqual } from "./pairing-store.js";

export type AuthMode = "token" | "password" | "none";

export interface GatewayAuth {
  mode: AuthMode;
  token?: string;
  password?: string;
}

export type SharedResult = "ok" | "missing" | "mismatch" | "not-configured";

export function checkSharedSecret(cfg: GatewayAuth, auth: ConnectAuth | undefined): SharedResult {
  if (cfg.mode === "none") return "ok";
  const secret = cfg.mode === "token" ? cfg.token : cfg.password;
  const presented = cfg.mode === "token" ? (auth?.token ?? auth?.password) : (auth?.password ?? auth?.token);
  if (!secret) return "not-configured";
  if (presented === undefined || presented === "") return "missing";
  return safeEqual(secret, presented) ? "ok" : "mismatch";
}

export interface AuthFailure {
  message: string;
  details: {
    code: string;
    authReason: string;
    canRetryWithDeviceToken: boolean;
    recommendedNextStep: string;
  };
  retryable?: boolean;
  retryAfterMs?: number;
}

function hintFor(clientId: string, kind: "token" | "password", loopback: boolean): string {
  if (clientId === "cli") {
    if (kind === "token") return loopback ? "use this gateway's gateway.auth.token or pair the device" : "set gateway.remote.token to match gateway.auth.token";
    return loopback ? "use this gateway's gateway.auth.password" : "set gateway.remote.password to match gateway.auth.password";
  }
  return kind === "token" ? "provide gateway auth token" : "provide gateway auth password";
}

export function sharedFailure(
  cfg: GatewayAuth,
  result: Exclude<SharedResult, "ok">,
  opts: { clientId: string; loopback: boolean; canRetryWithDeviceToken: boolean },
): AuthFailure {
  const kind = cfg.mode === "password" ? "password" : "token";
  const K = kind.toUpperCase();
  if (result === "not-configured") {
    return {
      message: `unauthorized: gateway ${kind} not configured on gateway (set gateway.auth.${kind})`,
      details: { code: D[`AUTH_${K}_NOT_CONFIGURED` as keyof typeof D], authReason: `${kind}_missing_config`, canRetryWithDeviceToken: false, recommendedNextStep: "update_auth_configuration" },
    };
  }
  if (result === "missing") {
    return {
      message: `unauthorized: gateway ${kind} missing (${hintFor(opts.clientId, kind, opts.loopback)})`,
      details: { code: D[`AUTH_${K}_MISSING` as keyof typeof D], authReason: `${kind}_missing`, canRetryWithDeviceToken: false, recommendedNextStep: "update_auth_configuration" },
    };
  }
  return {
    message: `unauthorized: gateway ${kind} mismatch (${hintFor(opts.clientId, kind, opts.loopback)})`,
    details: {
      code: D[`AUTH_${K}_MISMATCH` as keyof typeof D],
      authReason: `${kind}_mismatch`,
      canRetryWithDeviceToken: opts.canRetryWithDeviceToken,
      recommendedNextStep: opts.canRetryWithDeviceToken ? "retry_with_device_token" : "update_auth_credentials",
    },
  };
}

export const deviceTokenFailure: AuthFailure = {
  message: "unauthorized: device token mismatch (rotate/reissue device token)",
  details: { code: D.AUTH_DEVICE_TOKEN_MISMATCH, authReason: "device_token_mismatch", canRetryWithDeviceToken: false, recommendedNextStep: "update_auth_credentials" },
};

export const bootstrapFailure: AuthFailure = {
  message: "unauthorized: setup code invalid, expired, revoked, or already used (create a new code; review `openclaw devices list`)",
  details: { code: D.AUTH_BOOTSTRAP_TOKEN_INVALID, authReason: "bootstrap_token_invalid", canRetryWithDeviceToken: false, recommendedNextStep: "review_auth_configuration" },
};

export function rateLimitedFailure(retryAfterMs: number): AuthFailure {
  return {
    message: "unauthorized: too many failed authentication attempts (retry later)",
    details: { code: D.AUTH_RATE_LIMITED, authReason: "rate_limited", canRetryWithDeviceToken: false, recommendedNextStep: "wait_then_retry" },
    retryable: true,
    retryAfterMs,
  };
}
