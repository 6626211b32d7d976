// A one-shot operator connection: challenge → connect (token auth, least-privilege scopes) → calls → close.
import { randomUUID } from "node:crypto";
import { platform } from "node:os";
import type WebSocket from "ws";
import { dialGateway, GatewayTransportError, plainToTlsHint } from "../shared/gateway-socket.js";
import { LITE_VERSION, LIMITS } from "../protocol/codes.js";
import { GatewayError, UserError } from "./errors.js";

export interface OperatorTarget {
  url: string;
  /** Normalised SHA-256 pin of the gateway certificate (wss:// only). */
  tlsFingerprint?: string;
  token?: string;
  password?: string;
  /** Overall time budget for connecting and each call, ms. */
  timeoutMs: number;
}

export class OperatorClient {
  private ws!: WebSocket;
  private pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();
  private counter = 0;
  private closedError: Error | undefined;
  private eventHandlers: ((event: string, payload: unknown) => void)[] = [];
  hello: Record<string, unknown> = {};

  private constructor(private readonly target: OperatorTarget) {}

  static async connect(target: OperatorTarget, scopes: string[]): Promise<OperatorClient> {
    const c = new OperatorClient(target);
    await c.open(scopes);
    return c;
  }

  onEvent(h: (event: string, payload: unknown) => void): void {
    this.eventHandlers.push(h);
  }

  private async open(scopes: string[]): Promise<void> {
    const { url, timeoutMs } = this.target;
    const refused = `cannot reach the gateway at ${url} (connection refused). Is it running? Start it with: openclaw gateway run`;
    try {
      // wss:// is verified (pin or CA) before the upgrade request is written
      this.ws = await dialGateway(url, {
        ...(this.target.tlsFingerprint ? { tlsFingerprint: this.target.tlsFingerprint } : {}),
        tlsTimeoutMs: timeoutMs,
        ws: { maxPayload: LIMITS.maxPayloadBytes, perMessageDeflate: false },
      });
    } catch (err) {
      if (err instanceof GatewayTransportError) {
        throw new UserError((err as GatewayTransportError & { errno?: string }).errno === "ECONNREFUSED" ? refused : err.message);
      }
      throw new UserError(`invalid gateway url ${url}: ${(err as Error).message}`);
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          this.ws.terminate();
          reject(err);
        } else resolve();
      };
      const timer = setTimeout(() => done(new UserError(`no answer from the gateway at ${url} within ${timeoutMs} ms`)), timeoutMs);
      const connectId = randomUUID();
      this.ws.on("error", (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        const msg = code === "ECONNREFUSED" ? refused : `cannot reach the gateway at ${url}: ${err.message}${plainToTlsHint(url, err.message)}`;
        done(new UserError(msg));
      });
      this.ws.on("close", (code, reason) => {
        const r = reason.toString();
        this.closedError = new UserError(`the gateway closed the connection (${code}${r ? `: ${r}` : ""})`);
        for (const p of this.pending.values()) p.reject(this.closedError);
        this.pending.clear();
        done(this.closedError);
      });
      this.ws.on("message", (data) => {
        let frame: Record<string, unknown>;
        try {
          frame = JSON.parse(data.toString()) as Record<string, unknown>;
        } catch {
          return;
        }
        if (frame.type === "event") {
          if (frame.event === "connect.challenge") {
            const auth: Record<string, string> = {};
            if (this.target.token) auth.token = this.target.token;
            if (this.target.password) auth.password = this.target.password;
            this.ws.send(
              JSON.stringify({
                type: "req",
                id: connectId,
                method: "connect",
                params: {
                  minProtocol: 4,
                  maxProtocol: 4,
                  client: { id: "cli", version: LITE_VERSION, platform: platform(), mode: "cli", instanceId: randomUUID() },
                  role: "operator",
                  scopes,
                  ...(Object.keys(auth).length ? { auth } : {}),
                },
              }),
            );
            return;
          }
          for (const h of this.eventHandlers) h(String(frame.event), frame.payload);
          return;
        }
        if (frame.type !== "res" || typeof frame.id !== "string") return;
        if (frame.id === connectId) {
          if (frame.ok === true) {
            this.hello = (frame.payload ?? {}) as Record<string, unknown>;
            const granted = ((this.hello.auth as { scopes?: string[] } | undefined)?.scopes ?? []) as string[];
            if (scopes.length > 0 && granted.length === 0) {
              done(new UserError(`the gateway at ${url} granted no operator scopes: token-only operator access works on loopback; remote operator access needs a paired device (not supported by this CLI yet)`));
              return;
            }
            done();
          } else {
            const e = (frame.error ?? {}) as { code?: string; message?: string; details?: { code?: string } };
            const hint =
              e.details?.code === "AUTH_TOKEN_MISSING"
                ? " (set OPENCLAW_GATEWAY_TOKEN or pass --token; a local gateway's generated token is read from its state dir automatically)"
                : "";
            done(new GatewayError(e.code ?? "UNAVAILABLE", `gateway refused the connection: ${e.message ?? "unknown error"}${hint}`, e.details));
          }
          return;
        }
        const p = this.pending.get(frame.id);
        if (!p) return;
        this.pending.delete(frame.id);
        if (frame.ok === true) p.resolve(frame.payload);
        else {
          const e = (frame.error ?? {}) as { code?: string; message?: string; details?: unknown };
          p.reject(new GatewayError(e.code ?? "UNAVAILABLE", e.message ?? "request failed", e.details));
        }
      });
    });
  }

  call<T = unknown>(method: string, params: unknown, timeoutMs = this.target.timeoutMs): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `${++this.counter}:${randomUUID()}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new UserError(`no answer to ${method} within ${timeoutMs} ms (raise it with --timeout)`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  /**
   * A two-phase call (protocol.md §2.2): the gateway first answers `{status:"accepted", …}`, then sends
   * the final answer with the same id. `onInterim` sees the first one.
   */
  callTwoPhase<T = unknown>(method: string, params: unknown, onInterim: (payload: unknown) => void, timeoutMs = this.target.timeoutMs): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `${++this.counter}:${randomUUID()}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new UserError(`no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry = {
        resolve: (v: unknown) => {
          if ((v as { status?: unknown } | null)?.status === "accepted") {
            this.pending.set(id, entry);
            onInterim(v);
            return;
          }
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.pending.set(id, entry);
      this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  close(): void {
    try {
      this.ws.close(1000);
    } catch {
      /* already closed */
    }
    setTimeout(() => this.ws.terminate(), 200).unref();
  }
}

/** Connects, runs `fn`, always closes. */
export async function withOperator<T>(target: OperatorTarget, scopes: string[], fn: (c: OperatorClient) => Promise<T>): Promise<T> {
  const c = await OperatorClient.connect(target, scopes);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
