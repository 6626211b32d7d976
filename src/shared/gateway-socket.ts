// Opening a WebSocket to a gateway, shared by the node host and the operator CLI:
// - plain ws:// only where interception is not a concern (see `plaintextWsVerdict`);
// - wss:// on a TLS socket we open ourselves and verify (pin or CA + host name) on `secureConnect`,
//   before a single byte of the HTTP upgrade (which may carry nothing secret, but is followed by the
//   credentials) is written; the verified socket is then handed to `ws` (`createConnection`).
import { BlockList, isIP } from "node:net";
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from "node:tls";
import { createRequire } from "node:module";
import type { ClientOptions, WebSocket as WebSocketType } from "ws";

// `ws` is CommonJS: require()d directly it costs ~4 MB less RSS than through its ESM wrapper (which pulls in
// Node's CJS-from-ESM lexer); the node host's idle RSS budget is 60 MB (issue 7).
type WebSocket = WebSocketType;
const WebSocket = createRequire(import.meta.url)("ws") as typeof WebSocketType;
import { certificateFingerprint, normalizeTlsFingerprint, INVALID_TLS_FINGERPRINT } from "./tls-fingerprint.js";

export const ALLOW_INSECURE_PRIVATE_WS_ENV = "OPENCLAW_ALLOW_INSECURE_PRIVATE_WS";

export type GatewayTransportErrorCode =
  | "INVALID_URL"
  | "INSECURE_WS"
  | "TLS_FINGERPRINT_REQUIRES_WSS"
  | "TLS_FINGERPRINT_INVALID"
  | "TLS_FINGERPRINT_MISMATCH"
  | "TLS_CERT_UNTRUSTED"
  | "TLS_HANDSHAKE_FAILED"
  | "CONNECT_FAILED";

/**
 * A failure to open the transport. `fatal` ones are configuration or security problems that no
 * retry can fix (bad URL, refused ws://, pin mismatch, untrusted certificate): report and stop.
 */
export class GatewayTransportError extends Error {
  override name = "GatewayTransportError";
  constructor(
    readonly code: GatewayTransportErrorCode,
    message: string,
    readonly fatal: boolean,
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}

// ---- plain ws:// ---------------------------------------------------------------------------------

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const PRIVATE = new BlockList();
PRIVATE.addSubnet("10.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("172.16.0.0", 12, "ipv4");
PRIVATE.addSubnet("192.168.0.0", 16, "ipv4");
PRIVATE.addSubnet("169.254.0.0", 16, "ipv4"); // link-local
PRIVATE.addSubnet("100.64.0.0", 10, "ipv4"); // carrier-grade NAT (Tailscale addresses)
PRIVATE.addSubnet("fc00::", 7, "ipv6"); // unique local
PRIVATE.addSubnet("fe80::", 10, "ipv6"); // link-local
PRIVATE.addSubnet("fec0::", 10, "ipv6"); // deprecated site-local

export type HostClass = "loopback" | "private" | "public";

/** Classifies a URL host name (brackets and a trailing dot allowed). Non-IP names other than
 * `localhost`, `*.local` and `*.ts.net` are "public": their address is not known before DNS. */
export function classifyGatewayHost(hostname: string): HostClass {
  const h = hostname.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "");
  if (h === "localhost") return "loopback";
  const family = isIP(h);
  if (family !== 0) {
    const type = family === 4 ? "ipv4" : "ipv6";
    if (LOOPBACK.check(h, type)) return "loopback";
    return PRIVATE.check(h, type) ? "private" : "public";
  }
  if (h.endsWith(".local") || h.endsWith(".ts.net")) return "private";
  return "public";
}

/**
 * May this URL be dialled over plain ws://? openclaw-lite's rule (stricter than OpenClaw 2026.9.6,
 * which also allows private hosts by default and any DNS name with the env var): loopback always;
 * private/link-local/CGNAT/ULA IP literals, `*.local` and `*.ts.net` only with
 * OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1; anything else never.
 */
export function plaintextWsVerdict(hostname: string, env: NodeJS.ProcessEnv = process.env): { allowed: true } | { allowed: false; hostClass: HostClass } {
  const hostClass = classifyGatewayHost(hostname);
  if (hostClass === "loopback") return { allowed: true };
  if (hostClass === "private" && env[ALLOW_INSECURE_PRIVATE_WS_ENV] === "1") return { allowed: true };
  return { allowed: false, hostClass };
}

function insecureWsMessage(host: string, hostClass: HostClass): string {
  const base =
    `SECURITY ERROR: Cannot connect to "${host}" over plaintext ws://: the gateway credentials and everything the node runs would be exposed to network interception. ` +
    "Use TLS: start the gateway with `openclaw gateway run --tls`, get its certificate fingerprint there with `openclaw gateway fingerprint`, " +
    "and connect with `--tls --tls-fingerprint <sha256>` (or a wss:// URL). Or keep the gateway on loopback and use an SSH tunnel " +
    "(ssh -N -L 18789:127.0.0.1:18789 user@gateway-host).";
  return hostClass === "private"
    ? `${base} Break-glass for a trusted private network only: set ${ALLOW_INSECURE_PRIVATE_WS_ENV}=1.`
    : `${base} (Plain ws:// is never allowed to a public address or a DNS name other than *.local / *.ts.net.)`;
}

export interface GatewayUrlCheck {
  url: URL;
  secure: boolean;
  /** Normalised pin, when one was given. */
  pin?: string;
}

/** Validates a gateway URL and pin before any connection attempt; throws a fatal GatewayTransportError. */
export function checkGatewayUrl(rawUrl: string, tlsFingerprint: string | undefined, env: NodeJS.ProcessEnv = process.env): GatewayUrlCheck {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new GatewayTransportError("INVALID_URL", `invalid gateway url "${rawUrl}" (expected ws://host:port or wss://host:port)`, true);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new GatewayTransportError("INVALID_URL", `invalid gateway url "${rawUrl}": it must start with ws:// or wss://`, true);
  }
  const secure = url.protocol === "wss:";
  let pin: string | undefined;
  if (tlsFingerprint !== undefined && tlsFingerprint !== "") {
    pin = normalizeTlsFingerprint(tlsFingerprint);
    if (!pin) throw new GatewayTransportError("TLS_FINGERPRINT_INVALID", INVALID_TLS_FINGERPRINT, true);
    if (!secure) {
      throw new GatewayTransportError("TLS_FINGERPRINT_REQUIRES_WSS", `gateway tls fingerprint requires wss:// gateway url (got ${rawUrl}); use --tls or a wss:// URL`, true);
    }
  }
  if (!secure) {
    const verdict = plaintextWsVerdict(url.hostname, env);
    if (!verdict.allowed) throw new GatewayTransportError("INSECURE_WS", insecureWsMessage(url.hostname.replace(/^\[|\]$/g, ""), verdict.hostClass), true);
  }
  return { url, secure, ...(pin ? { pin } : {}) };
}

// ---- wss:// --------------------------------------------------------------------------------------

export interface VerifiedTlsOptions {
  host: string;
  port: number;
  /** Normalised SHA-256 pin of the leaf certificate; without it the system CAs and the host name decide. */
  pin?: string;
  timeoutMs?: number;
}

export function pinMismatchMessage(endpoint: string, expected: string, actual: string): string {
  return (
    `gateway tls fingerprint mismatch for ${endpoint}: expected ${expected} (the pinned fingerprint), actual ${actual} (the certificate the gateway presented). ` +
    "Nothing was sent. If the gateway's certificate was replaced on purpose, run `openclaw gateway fingerprint` on the gateway machine; " +
    `only if it prints ${actual}, update the pin with --tls-fingerprint ${actual}. Otherwise treat this as a possible interception and do not connect.`
  );
}

function untrustedMessage(endpoint: string, reason: string, actual: string | undefined): string {
  const fp = actual ? ` (its SHA-256 fingerprint is ${actual})` : "";
  return (
    `the TLS certificate of the gateway at ${endpoint} is not trusted: ${reason}${fp}. ` +
    "An OpenClaw gateway normally uses a self-signed certificate: pin it instead of relying on certificate authorities. " +
    `On the gateway machine run \`openclaw gateway fingerprint\`${actual ? `; if it prints ${actual}` : ""}, then connect with --tls-fingerprint ${actual ?? "<sha256>"}.`
  );
}

/**
 * Opens a TLS connection and verifies the server before resolving: with a pin, the SHA-256 of the
 * leaf certificate must equal it (chain and host name are not checked, as in OpenClaw); without,
 * normal CA validation plus host-name check. TLS 1.2 minimum. Only TLS handshake bytes have been
 * exchanged when this resolves or rejects.
 */
export function openVerifiedTls(o: VerifiedTlsOptions): Promise<TLSSocket> {
  const host = o.host.replace(/^\[|\]$/g, "");
  const endpoint = `${host.includes(":") ? `[${host}]` : host}:${o.port}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = tlsConnect({
      host,
      port: o.port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false, // verified below, on secureConnect, so the failure can say what to do
      minVersion: "TLSv1.2",
      ALPNProtocols: ["http/1.1"],
    });
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new GatewayTransportError("CONNECT_FAILED", `no TLS handshake with the gateway at ${endpoint} within ${o.timeoutMs ?? 15_000} ms`, false)),
      o.timeoutMs ?? 15_000,
    );
    socket.once("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "";
      if (code.startsWith("ERR_SSL") || /ssl|tls|handshake/i.test(err.message)) {
        fail(
          new GatewayTransportError(
            "TLS_HANDSHAKE_FAILED",
            `TLS handshake with the gateway at ${endpoint} failed (${err.message}); is it running with --tls? (a plain ws:// gateway cannot be reached with --tls / wss://)`,
            false,
          ),
        );
        return;
      }
      fail(Object.assign(new GatewayTransportError("CONNECT_FAILED", `cannot reach the gateway at ${endpoint}: ${err.message}`, false), { errno: code }));
    });
    socket.once("secureConnect", () => {
      if (settled) return;
      const cert = socket.getPeerCertificate(false);
      const actual = cert && cert.raw ? certificateFingerprint(cert.raw) : undefined;
      if (o.pin) {
        if (!actual) return fail(new GatewayTransportError("TLS_FINGERPRINT_MISMATCH", `gateway tls fingerprint unavailable: the gateway at ${endpoint} presented no certificate`, true));
        if (actual !== o.pin) return fail(new GatewayTransportError("TLS_FINGERPRINT_MISMATCH", pinMismatchMessage(endpoint, o.pin, actual), true, { expected: o.pin, actual }));
      } else {
        if (!socket.authorized) {
          const e = socket.authorizationError as (Error & { code?: string }) | string | null;
          const reason = typeof e === "string" ? e : e ? `${e.message}${e.code ? ` (${e.code})` : ""}` : "unknown reason";
          return fail(new GatewayTransportError("TLS_CERT_UNTRUSTED", untrustedMessage(endpoint, reason, actual), true, actual ? { actual } : {}));
        }
        const nameError = checkServerIdentity(host, cert);
        if (nameError) return fail(new GatewayTransportError("TLS_CERT_UNTRUSTED", untrustedMessage(endpoint, nameError.message, actual), true, actual ? { actual } : {}));
      }
      settled = true;
      clearTimeout(timer);
      resolve(socket); // our error listener stays (a no-op now); ws adds its own

    });
  });
}

/** A hint for a plain ws:// connection that a TLS gateway hung up on. */
export function plainToTlsHint(url: string, message: string): string {
  return url.startsWith("ws://") && /socket hang up|ECONNRESET/.test(message)
    ? "; if the gateway runs with --tls, connect with --tls --tls-fingerprint <sha256> or a wss:// url"
    : "";
}

export interface DialOptions {
  tlsFingerprint?: string;
  env?: NodeJS.ProcessEnv;
  ws?: ClientOptions;
  tlsTimeoutMs?: number;
}

/**
 * Opens a gateway WebSocket (not yet open: attach handlers right away). Rejects with a
 * GatewayTransportError when the URL is refused or the TLS server fails verification.
 */
export async function dialGateway(rawUrl: string, o: DialOptions = {}): Promise<WebSocket> {
  const { url, secure, pin } = checkGatewayUrl(rawUrl, o.tlsFingerprint, o.env);
  if (!secure) return new WebSocket(url.href, o.ws);
  const socket = await openVerifiedTls({
    host: url.hostname,
    port: url.port ? Number(url.port) : 443,
    ...(pin ? { pin } : {}),
    ...(o.tlsTimeoutMs ? { timeoutMs: o.tlsTimeoutMs } : {}),
  });
  try {
    return new WebSocket(url.href, { ...o.ws, createConnection: () => socket });
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
