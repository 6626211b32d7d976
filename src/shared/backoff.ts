// Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a fleet of nodes
// restarting together spreads out instead of retrying in lock-step (node-host.md §12 item 2).

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

/** Delay before attempt `attempt` (0-based). `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const factor = opts.factor ?? 2;
  const ceiling = Math.min(opts.maxMs, opts.initialMs * Math.pow(factor, Math.max(0, attempt)));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}
  next(): number {
    return backoffDelay(this.attempt++, this.opts, this.random);
  }
  reset(): void {
    this.attempt = 0;
  }
  get attempts(): number {
    return this.attempt;
  }
}

/** How widely the first reconnect after a gateway restart (close 1012) is spread, per node, at random. */
export const RESTART_SPREAD_MS = 5000;

/**
 * The first reconnect delay after a gateway restart: a restart disconnects the whole fleet in the same
 * instant, so attempts are spread (full jitter) over min(RESTART_SPREAD_MS, maxMs) after half the initial
 * delay — 5 000 nodes then knock at ~1 000/s instead of all within half a second.
 */
export function restartSpreadDelay(opts: BackoffOptions, random: () => number = Math.random): number {
  return Math.round(opts.initialMs / 2 + random() * Math.min(RESTART_SPREAD_MS, opts.maxMs));
}
