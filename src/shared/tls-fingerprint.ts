// SHA-256 certificate fingerprints as users type them (protocol.md "TLS", node-host.md §7.9).
import { createHash } from "node:crypto";

const HEX64 = /^[0-9a-f]{64}$/;
const COLON_PAIRS = /^(?:[0-9a-f]{2}:){31}[0-9a-f]{2}$/;

/**
 * Normalises a SHA-256 fingerprint to 64 lower-case hex characters, or returns undefined when it is
 * not one. Accepted: 64 hex characters or 32 colon-separated hex pairs, either case, optionally
 * prefixed `sha256:` / `sha-256:` (any case); surrounding blanks are ignored. Anything else
 * (a SHA-1, a truncated value, spaces or dashes inside) is refused rather than guessed at.
 */
export function normalizeTlsFingerprint(input: string | undefined | null): string | undefined {
  if (typeof input !== "string") return undefined;
  const value = input.trim().toLowerCase().replace(/^sha-?256:\s*/, "");
  if (HEX64.test(value)) return value;
  if (COLON_PAIRS.test(value)) return value.replaceAll(":", "");
  return undefined;
}

/** The message OpenClaw prints for an unusable `--tls-fingerprint`. */
export const INVALID_TLS_FINGERPRINT = "Invalid TLS fingerprint; expected a SHA-256 certificate fingerprint.";

/** SHA-256 of a DER certificate, as normalised hex (what `--tls-fingerprint` takes). */
export function certificateFingerprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

/** `AB:CD:…` upper-case colon form (what browsers and `openssl x509 -fingerprint` show). */
export function colonFingerprint(hex: string): string {
  return (hex.match(/../g) ?? []).join(":").toUpperCase();
}
