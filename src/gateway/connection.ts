// One WebSocket's life: challenge → connect (first request only) → ready → closed.
// Everything inbound is validated here before any handler sees it (protocol.md §3.4, RAW.md rules 1–7).
import { randomUUID } from "node:crypto";
import type { WebSocket, RawData } from "ws";
import { CloseCodes, LIMITS } from "../protocol/codes.js";
import { ProtocolError, truncateCloseReason, type ErrorShape } from "../protocol/errors.js";
import { ConnectParamsSchema, RequestFrameSchema, type ConnectParams, type RequestFrame } from "../protocol/frames.js";
import { validate } from "../protocol/validate.js";
import type { Logger } from "../shared/log.js";

export interface Session {
  role: "operator" | "node";
  scopes: string[];
  deviceId?: string;
  clientId: string;
  clientMode: string;
  displayName?: string;
  protocol: number;
}

export interface ConnectionHost {
  log: Logger;
  handshakeTimeoutMs: number;
  /** Outbound buffer cap; above it the socket is closed 1008 `slow consumer` (default policy.maxBufferedBytes). */
  maxBufferedBytes?: number;
  /** Runs admission for a schema-valid connect. Must send the response and close on failure. */
  onConnect(conn: Connection, reqId: string, params: ConnectParams): Promise<void>;
  onRequest(conn: Connection, frame: RequestFrame): Promise<void>;
  onClose(conn: Connection, code: number, reason: string): void;
}

type State = "handshake" | "processing" | "ready" | "closed";

export class Connection {
  readonly connId = randomUUID();
  readonly nonce = randomUUID();
  readonly openedAt = Date.now();
  state: State = "handshake";
  session?: Session;
  private seq = 0;
  private queue: RawData[] = [];
  private handshakeTimer?: NodeJS.Timeout;
  private unauthorizedStreak = 0;
  isAlive = true;

  constructor(
    readonly ws: WebSocket,
    readonly peer: { ip: string; loopback: boolean },
    private readonly host: ConnectionHost,
  ) {
    ws.on("message", (data) => this.onMessage(data));
    ws.on("close", (code, reason) => this.onClosed(code, reason.toString()));
    ws.on("error", (err) => host.log.debug(`socket ${this.connId} error: ${err.message}`));
    ws.on("pong", () => {
      this.isAlive = true;
    });
    this.handshakeTimer = setTimeout(() => {
      if (this.state === "handshake" || this.state === "processing") this.close(CloseCodes.NORMAL, "");
    }, host.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    this.sendRaw({ type: "event", event: "connect.challenge", payload: { nonce: this.nonce, ts: Date.now(), capabilities: [] } });
  }

  sendRaw(frame: unknown): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > (this.host.maxBufferedBytes ?? LIMITS.maxBufferedBytes)) {
      this.close(CloseCodes.POLICY_VIOLATION, "slow consumer");
      return false;
    }
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  respond(id: string, ok: true, payload?: unknown): void;
  respond(id: string, ok: false, error: ErrorShape): void;
  respond(id: string, ok: boolean, body?: unknown): void {
    if (ok) this.sendRaw(body === undefined ? { type: "res", id, ok } : { type: "res", id, ok, payload: body });
    else this.sendRaw({ type: "res", id, ok, error: body });
  }

  /** Broadcast-style event: carries this socket's next `seq`. */
  sendEvent(event: string, payload: unknown): boolean {
    this.seq += 1;
    return this.sendRaw({ type: "event", event, payload, seq: this.seq });
  }

  /** Targeted event (node.invoke.request & co.): no `seq`. */
  sendDirect(event: string, payload: unknown): boolean {
    return this.sendRaw({ type: "event", event, payload });
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    const wasReady = this.state === "ready";
    this.state = "closed";
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    try {
      this.ws.close(code, truncateCloseReason(reason));
    } catch {
      this.ws.terminate();
    }
    // make sure a peer that never answers the close handshake does not linger
    setTimeout(() => this.ws.terminate(), 2000).unref();
    if (!wasReady) this.queue = [];
  }

  /** Called by the host once admission succeeded. */
  markReady(session: Session): void {
    this.session = session;
    this.state = "ready";
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    // post-auth frame limit (ws has one limit per receiver; raise it in place)
    const receiver = (this.ws as unknown as { _receiver?: { _maxPayload: number } })._receiver;
    if (receiver) receiver._maxPayload = LIMITS.maxPayloadBytes;
    const queued = this.queue;
    this.queue = [];
    for (const data of queued) this.onMessage(data);
  }

  /** Called by the host when admission failed (it already answered). */
  markRejected(code: number, reason: string): void {
    this.close(code, reason);
  }

  /** Counts `unauthorized role:` errors; more than 10 in a row closes the socket. */
  noteUnauthorizedRole(): boolean {
    this.unauthorizedStreak += 1;
    if (this.unauthorizedStreak > LIMITS.maxUnauthorizedRoleCalls) {
      this.close(CloseCodes.POLICY_VIOLATION, "repeated unauthorized calls");
      return true;
    }
    return false;
  }

  noteAuthorizedCall(): void {
    this.unauthorizedStreak = 0;
  }

  private onMessage(data: RawData): void {
    if (this.state === "closed") return;
    if (this.state === "processing") {
      if (this.queue.length >= LIMITS.maxPendingHandshakeFrames) {
        this.close(CloseCodes.POLICY_VIOLATION, "too many pending handshake frames");
        return;
      }
      this.queue.push(data);
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      if (this.state === "handshake") this.close(CloseCodes.NORMAL, "");
      else this.host.log.debug(`connection ${this.connId}: ignored a frame that is not JSON`);
      return;
    }
    const checked = validate(RequestFrameSchema, frame);
    if (this.state === "handshake") {
      if (!checked.ok) {
        this.close(CloseCodes.POLICY_VIOLATION, "invalid request frame");
        return;
      }
      const req = checked.value;
      if (req.method !== "connect") {
        const msg = "invalid handshake: first request must be connect";
        this.respond(req.id, false, new ProtocolError("INVALID_REQUEST", msg).toShape());
        this.close(CloseCodes.POLICY_VIOLATION, msg);
        return;
      }
      const params = validate(ConnectParamsSchema, req.params ?? {});
      if (!params.ok) {
        const msg = `invalid connect params: ${params.message}`;
        this.respond(req.id, false, { code: "INVALID_REQUEST", message: msg });
        this.close(CloseCodes.POLICY_VIOLATION, msg);
        return;
      }
      const p = params.value;
      const role = p.role ?? "operator";
      if (role === "worker" || p.client.id === "openclaw-worker" || p.client.mode === "worker") {
        this.close(CloseCodes.POLICY_VIOLATION, "invalid-handshake");
        return;
      }
      this.state = "processing";
      // Admission starts on the next macrotask, as in the reference (whose connect handling is asynchronous):
      // frames that arrive together with / right behind the connect are queued, and a burst of more than 15 of
      // them trips the pending-frame guard below (traces/RAW.md, raw-flood-preauth-frames). A socket closed in
      // the meantime is not admitted at all.
      setImmediate(() => {
        if (this.state !== "processing") return;
        this.host.onConnect(this, req.id, p).catch((err: unknown) => {
          this.host.log.error(`connect handling failed: ${(err as Error).stack ?? String(err)}`);
          this.close(CloseCodes.NORMAL, "");
        });
      });
      return;
    }
    // ready
    if (!checked.ok) {
      const id = frame !== null && typeof frame === "object" && typeof (frame as { id?: unknown }).id === "string" ? (frame as { id: string }).id : "invalid";
      this.respond(id, false, { code: "INVALID_REQUEST", message: `invalid request frame: ${checked.message}` });
      return;
    }
    this.host.onRequest(this, checked.value).catch((err: unknown) => {
      this.host.log.error(`request ${checked.value.method} failed: ${(err as Error).stack ?? String(err)}`);
      this.respond(checked.value.id, false, { code: "UNAVAILABLE", message: "internal gateway error; see the gateway log" });
    });
  }

  private onClosed(code: number, reason: string): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.state = "closed";
    this.host.onClose(this, code, reason);
  }
}
