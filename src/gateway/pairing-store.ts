// Persistent pairing state of the gateway: paired devices (with their tokens and approved node
// surface), pending device requests and one-time join codes (bootstrap tokens). JSON files in
// `<stateDir>/devices/`, written atomically with mode 0600 — the 2026.2.x layout (protocol.md §6.5).
import { join } from "node:path";
import { randomBytes, randomUUID, timingSafeEqual, createHash } from "node:crypto";
import { readJsonFile, writeJsonAtomic } from "../shared/fs-atomic.js";

export interface DeviceToken {
  token: string;
  role: string;
  scopes: string[];
  createdAtMs: number;
  rotatedAtMs?: number;
  revokedAtMs?: number;
  lastUsedAtMs?: number;
}

export interface NodeSurface {
  displayName?: string;
  version?: string;
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
  createdAtMs: number;
  approvedAtMs: number;
}

export interface PendingNodeSurface {
  requestId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
  ts: number;
}

export interface PairedDevice {
  deviceId: string;
  publicKey: string;
  displayName?: string;
  label?: string;
  platform?: string;
  deviceFamily?: string;
  clientId: string;
  clientMode: string;
  role: string;
  roles: string[];
  scopes: string[];
  approvedVia: "owner" | "silent" | "bootstrap";
  createdAtMs: number;
  approvedAtMs: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  remoteIp?: string;
  tokens: Record<string, DeviceToken>;
  nodeSurface?: NodeSurface;
  pendingNodeSurface?: PendingNodeSurface;
}

/** A declared node surface carried with a pending device request, approved together with it. */
export interface DeclaredSurface {
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
  version?: string;
}

export interface PendingDeviceRequest {
  requestId: string;
  deviceId: string;
  publicKey: string;
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId: string;
  clientMode: string;
  role: string;
  roles: string[];
  scopes: string[];
  silent: boolean;
  isRepair: boolean;
  reason: "not-paired" | "role-upgrade" | "scope-upgrade" | "metadata-upgrade";
  ts: number;
  remoteIp?: string;
  surface?: DeclaredSurface;
}

export interface BootstrapToken {
  /** sha256 of the token: the secret itself is never stored. */
  tokenHash: string;
  createdAtMs: number;
  expiresAtMs: number;
  usedAtMs?: number;
  deviceId?: string;
  /** Set once the bound device was admitted: the code is spent. */
  completedAtMs?: number;
}

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class PairingStore {
  readonly paired = new Map<string, PairedDevice>();
  readonly pending = new Map<string, PendingDeviceRequest>();
  readonly bootstrap: BootstrapToken[] = [];
  private readonly dir: string;
  /** Bookkeeping-only changes (last seen) waiting for the coalesced write of paired.json. */
  private dirtyTimer: NodeJS.Timeout | undefined;

  constructor(
    stateDir: string,
    private readonly now: () => number = Date.now,
    readonly pendingTtlMs = 300_000,
    /** Delay of the coalesced paired.json write for bookkeeping changes (see touchPaired). */
    readonly bookkeepingDelayMs = 2000,
  ) {
    this.dir = join(stateDir, "devices");
    this.load();
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  private load(): void {
    const paired = readJsonFile<Record<string, PairedDevice>>(this.path("paired.json"));
    if (paired.kind === "error") throw new Error(`pairing state unreadable: ${paired.message}`);
    if (paired.kind === "ok") for (const [id, rec] of Object.entries(paired.value)) this.paired.set(id, rec);
    const pending = readJsonFile<Record<string, PendingDeviceRequest>>(this.path("pending.json"));
    if (pending.kind === "error") throw new Error(`pairing state unreadable: ${pending.message}`);
    if (pending.kind === "ok") for (const [id, rec] of Object.entries(pending.value)) this.pending.set(id, rec);
    const boot = readJsonFile<BootstrapToken[]>(this.path("bootstrap.json"));
    if (boot.kind === "error") throw new Error(`pairing state unreadable: ${boot.message}`);
    if (boot.kind === "ok" && Array.isArray(boot.value)) this.bootstrap.push(...boot.value);
    this.prune();
  }

  /**
   * Writes paired.json now (atomic, fsynced). Every change that grants or withdraws anything (an approval,
   * a token, a removal) goes through here before it is acknowledged; it also carries any coalesced
   * bookkeeping still waiting.
   */
  savePaired(): void {
    if (this.dirtyTimer) clearTimeout(this.dirtyTimer);
    this.dirtyTimer = undefined;
    writeJsonAtomic(this.path("paired.json"), Object.fromEntries(this.paired));
  }

  /**
   * Records a bookkeeping-only change of the paired records (lastSeenAtMs / lastSeenReason): written at most
   * `bookkeepingDelayMs` later, together with every other such change in the meantime — one rewrite of
   * paired.json per interval instead of one per connect (a gateway holding thousands of nodes otherwise spends
   * its time rewriting the whole file on every reconnect). A crash may lose only this bookkeeping.
   */
  touchPaired(): void {
    if (this.dirtyTimer || this.closed) return;
    this.dirtyTimer = setTimeout(() => {
      this.dirtyTimer = undefined;
      try {
        this.savePaired();
      } catch {
        // the next durable save (or flush) writes it; bookkeeping is not worth crashing over
      }
    }, this.bookkeepingDelayMs);
    this.dirtyTimer.unref();
  }

  /** True while coalesced bookkeeping waits to be written. */
  get hasUnsavedBookkeeping(): boolean {
    return this.dirtyTimer !== undefined;
  }

  /** Writes coalesced bookkeeping now, if any. */
  flush(): void {
    if (this.dirtyTimer) this.savePaired();
  }

  private closed = false;
  /** On shutdown: flushes, then stops scheduling bookkeeping writes (durable saves still write). */
  close(): void {
    this.closed = true;
    this.flush();
  }
  savePending(): void {
    writeJsonAtomic(this.path("pending.json"), Object.fromEntries(this.pending));
  }
  saveBootstrap(): void {
    writeJsonAtomic(this.path("bootstrap.json"), this.bootstrap);
  }

  /** Drops expired pending requests and join codes. Returns the ids of dropped requests. */
  prune(): string[] {
    const t = this.now();
    const dropped: string[] = [];
    for (const [id, req] of this.pending) {
      if (t - req.ts > this.pendingTtlMs) {
        this.pending.delete(id);
        dropped.push(id);
      }
    }
    if (dropped.length) this.savePending();
    const before = this.bootstrap.length;
    for (let i = this.bootstrap.length - 1; i >= 0; i--) {
      const b = this.bootstrap[i]!;
      if (b.expiresAtMs < t) this.bootstrap.splice(i, 1);
    }
    if (this.bootstrap.length !== before) this.saveBootstrap();
    return dropped;
  }

  pendingForDevice(deviceId: string): PendingDeviceRequest | undefined {
    for (const req of this.pending.values()) if (req.deviceId === deviceId) return req;
    return undefined;
  }

  /**
   * Creates or refreshes the pending request of a device. A repeat connect asking for the same
   * (or less) reuses the request id; a wider one replaces it. Returns the request and the id it
   * replaced, if any.
   */
  upsertPending(input: Omit<PendingDeviceRequest, "requestId" | "ts" | "silent" | "roles">): {
    request: PendingDeviceRequest;
    replaced?: string;
    created: boolean;
  } {
    this.prune();
    const existing = this.pendingForDevice(input.deviceId);
    if (existing && existing.publicKey === input.publicKey) {
      const covered = existing.roles.includes(input.role) && input.scopes.every((s) => existing.scopes.includes(s));
      if (covered) {
        Object.assign(existing, {
          displayName: input.displayName,
          platform: input.platform,
          deviceFamily: input.deviceFamily,
          remoteIp: input.remoteIp,
          surface: input.surface ?? existing.surface,
          reason: input.reason,
        });
        this.savePending();
        return { request: existing, created: false };
      }
    }
    const roles = [...new Set([...(existing?.roles ?? []), input.role])];
    const scopes = [...new Set([...(existing?.scopes ?? []), ...input.scopes])];
    const request: PendingDeviceRequest = {
      ...input,
      requestId: randomUUID(),
      roles,
      scopes,
      silent: false,
      ts: this.now(),
    };
    if (existing) this.pending.delete(existing.requestId);
    this.pending.set(request.requestId, request);
    this.savePending();
    return existing ? { request, replaced: existing.requestId, created: true } : { request, created: true };
  }

  /** Approves a pending request: creates/updates the paired record and issues tokens per role. */
  approve(requestId: string, via: PairedDevice["approvedVia"] = "owner"): PairedDevice | undefined {
    const req = this.pending.get(requestId);
    if (!req) return undefined;
    this.pending.delete(requestId);
    const rec = this.approveDevice(req, via);
    this.savePending();
    return rec;
  }

  /** Creates or updates a paired record from request-shaped data (also used for join codes). */
  approveDevice(req: Omit<PendingDeviceRequest, "requestId" | "ts" | "silent" | "isRepair" | "reason">, via: PairedDevice["approvedVia"]): PairedDevice {
    const t = this.now();
    const prev = this.paired.get(req.deviceId);
    const samKey = prev?.publicKey === req.publicKey;
    const roles = [...new Set([...(samKey ? prev!.roles : []), ...req.roles])];
    const scopes = [...new Set([...(samKey ? prev!.scopes : []), ...req.scopes])];
    const rec: PairedDevice = {
      ...(samKey ? prev! : {}),
      deviceId: req.deviceId,
      publicKey: req.publicKey,
      displayName: req.displayName ?? prev?.displayName,
      platform: req.platform,
      deviceFamily: req.deviceFamily,
      clientId: req.clientId,
      clientMode: req.clientMode,
      role: req.role,
      roles,
      scopes,
      approvedVia: via,
      createdAtMs: samKey ? prev!.createdAtMs : t,
      approvedAtMs: t,
      tokens: samKey ? { ...prev!.tokens } : {},
    };
    if (req.remoteIp) rec.remoteIp = req.remoteIp;
    for (const role of roles) this.ensureToken(rec, role, role === "node" ? [] : scopes);
    if (roles.includes("node") && req.surface) {
      rec.nodeSurface = {
        displayName: req.displayName,
        version: req.surface.version,
        caps: [...req.surface.caps].sort(),
        commands: [...req.surface.commands].sort(),
        ...(req.surface.permissions ? { permissions: req.surface.permissions } : {}),
        createdAtMs: rec.nodeSurface?.createdAtMs ?? t,
        approvedAtMs: t,
      };
      delete rec.pendingNodeSurface;
    }
    this.paired.set(rec.deviceId, rec);
    this.savePaired();
    return rec;
  }

  /** Reuses a live token for the role when it covers the scopes, else mints a new one. */
  ensureToken(rec: PairedDevice, role: string, scopes: string[]): DeviceToken {
    const cur = rec.tokens[role];
    if (cur && cur.revokedAtMs === undefined && scopes.every((s) => cur.scopes.includes(s))) return cur;
    const token: DeviceToken = { token: newToken(), role, scopes: [...scopes], createdAtMs: this.now() };
    rec.tokens[role] = token;
    return token;
  }

  reject(requestId: string): PendingDeviceRequest | undefined {
    const req = this.pending.get(requestId);
    if (!req) return undefined;
    this.pending.delete(requestId);
    this.savePending();
    return req;
  }

  remove(deviceId: string): PairedDevice | undefined {
    const rec = this.paired.get(deviceId);
    if (!rec) return undefined;
    this.paired.delete(deviceId);
    this.savePaired();
    return rec;
  }

  /** Checks a presented device token for (device, role). */
  checkDeviceToken(deviceId: string, role: string, presented: string): "ok" | "mismatch" {
    const rec = this.paired.get(deviceId);
    const tok = rec?.tokens[role];
    if (!rec || !rec.roles.includes(role) || !tok || tok.revokedAtMs !== undefined) return "mismatch";
    return safeEqual(tok.token, presented) ? "ok" : "mismatch";
  }

  /** Marks a join code spent after its device was admitted (it cannot re-pair a revoked device). */
  completeBootstrapToken(token: string): void {
    const h = hashToken(token);
    const entry = this.bootstrap.find((b) => safeEqual(b.tokenHash, h));
    if (!entry || entry.completedAtMs !== undefined) return;
    entry.completedAtMs = this.now();
    this.saveBootstrap();
  }

  /** Mints a one-time join code secret; only its hash is stored. */
  mintBootstrapToken(ttlMs: number): { token: string; expiresAtMs: number } {
    this.prune();
    const token = newToken();
    const t = this.now();
    const entry: BootstrapToken = { tokenHash: hashToken(token), createdAtMs: t, expiresAtMs: t + ttlMs };
    this.bootstrap.push(entry);
    this.saveBootstrap();
    return { token, expiresAtMs: entry.expiresAtMs };
  }

  /**
   * Consumes a join code for a device. Single use: the first device to present it binds it; the
   * same device may present it again (a retry after a lost hello-ok) until it expires.
   */
  consumeBootstrapToken(token: string, deviceId: string): boolean {
    this.prune();
    const h = hashToken(token);
    const entry = this.bootstrap.find((b) => safeEqual(b.tokenHash, h));
    if (!entry || entry.expiresAtMs < this.now() || entry.completedAtMs !== undefined) return false;
    if (entry.deviceId !== undefined && entry.deviceId !== deviceId) return false;
    if (entry.deviceId === undefined) {
      entry.deviceId = deviceId;
      entry.usedAtMs = this.now();
      this.saveBootstrap();
    }
    return true;
  }
}
