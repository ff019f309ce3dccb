import type { VerifyGate } from './registry';
/** A token bucket per key (device), refilled continuously; bounded so keys cannot grow memory forever. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly maxKeys = 100_000, private readonly now = () => Date.now()) {}

  /** Seconds to wait before a token would be available, without taking one. */
  peek(key: string): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.burst, b.tokens + ((this.now() - b.at) / 1000) * this.perSecond);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
  }

  /** 0 when allowed, else the seconds to wait before a token is available. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /** Gives back a token taken for something that turned out not to count. */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }
}

/** One authentication attempt from an address: counts once, whether or not a verification ran. */
export interface AttemptGate extends VerifyGate {
  /** The attempt failed without a verification (malformed credentials, or one joined and failed). */
  fail(): void;
}

/**
 * Failed authentications per source address: past `perMinute` (with a burst of as many), that
 * address is refused for a while, whatever it presents, so passwords cannot be guessed at speed.
 */
export class FailureLimiter {
  private readonly buckets: RateLimiter;

  constructor(perMinute: number, now = () => Date.now()) {
    this.buckets = new RateLimiter(perMinute / 60, perMinute, 100_000, now);
    this.peek = (key) => this.buckets.peek(key);
  }

  /** Seconds the address must wait, or 0 when it may try. */
  readonly peek: (key: string) => number;

  /**
   * A failure is reserved when a verification begins, so simultaneous guesses are limited too,
   * and given back when the credential proves right.
   */
  gate(key: string): AttemptGate {
    let counted = false;
    return {
      begin: () => {
        counted = true;
        return this.buckets.take(key) === 0;
      },
      settle: (ok) => { if (ok) this.buckets.refund(key); },
      fail: () => { if (!counted) { counted = true; this.buckets.take(key); } },
    };
  }
}
