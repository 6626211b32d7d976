// Failed shared-secret attempts per client IP (protocol.md §4.7): loopback is never locked out but
// each failure delays the answer (250 ms doubling, max 5 s); other addresses are locked for
// `lockoutMs` after `maxAttempts` failures inside `windowMs`.

export interface RateLimitOptions {
  maxAttempts: number;
  windowMs: number;
  lockoutMs: number;
  exemptLoopback: boolean;
  /** Exempt loopback: the first failure's answer delay, doubled per failure in the window ... */
  delayBaseMs: number;
  /** ... up to this cap. */
  delayMaxMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  maxAttempts: 10,
  windowMs: 60_000,
  lockoutMs: 300_000,
  exemptLoopback: true,
  delayBaseMs: 250,
  delayMaxMs: 5000,
};

export class AuthRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();

  constructor(
    private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** ms until the address may try again, or 0. */
  lockedFor(ip: string, loopback: boolean): number {
    if (loopback && this.opts.exemptLoopback) return 0;
    const until = this.lockedUntil.get(ip) ?? 0;
    return Math.max(0, until - this.now());
  }

  /** Records a failure; returns the delay to apply before answering. */
  recordFailure(ip: string, loopback: boolean): number {
    const t = this.now();
    const list = (this.failures.get(ip) ?? []).filter((x) => t - x < this.opts.windowMs);
    list.push(t);
    this.failures.set(ip, list);
    if (loopback && this.opts.exemptLoopback) return Math.min(this.opts.delayMaxMs, this.opts.delayBaseMs * 2 ** (list.length - 1));
    if (list.length >= this.opts.maxAttempts) this.lockedUntil.set(ip, t + this.opts.lockoutMs);
    return 0;
  }

  recordSuccess(ip: string): void {
    this.failures.delete(ip);
  }

  /** Drop stale entries (called periodically). */
  sweep(): void {
    const t = this.now();
    for (const [ip, list] of this.failures) if (list.every((x) => t - x >= this.opts.windowMs)) this.failures.delete(ip);
    for (const [ip, until] of this.lockedUntil) if (until <= t) this.lockedUntil.delete(ip);
  }
}
