/**
 * Cloudflare's API rate limit, as the fake applies it: a quota of requests per sliding window for the
 * user (1,200 per 5 minutes), reported on every answer in `Ratelimit` / `Ratelimit-Policy` headers.
 * Past the quota, or in lockout mode, every request is answered 429 with Retry-After until the
 * lockout (5 minutes) ends.
 */
export class FakeRateLimit {
  quota = 1200;
  windowMs = 5 * 60_000;
  lockoutMs = 5 * 60_000;
  private sent: number[] = [];
  private lockedUntil = 0;
  /** 429s served for the rate limit. */
  refused = 0;

  constructor(private readonly now: () => number = Date.now) {}

  configure(o: { quota?: number; windowMs?: number; lockoutMs?: number }): void {
    Object.assign(this, Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
  }

  /** Other clients of the same user used `n` requests of the window. */
  consume(n: number): void {
    for (let i = 0; i < n; i++) this.sent.push(this.now());
  }

  /** Lockout mode: every request answered 429 for `ms` (default: the 5-minute lockout). */
  lockout(ms = this.lockoutMs): void {
    this.lockedUntil = this.now() + ms;
  }

  /** Lockout mode after `n` more requests (another client trips it mid-run, at a known point). */
  lockoutAfter(n: number, ms = this.lockoutMs): void {
    this.pendingLockout = { left: n, ms };
  }
  private pendingLockout: { left: number; ms: number } | undefined;

  clear(): void {
    this.sent = [];
    this.lockedUntil = 0;
    this.pendingLockout = undefined;
  }

  /** One request: undefined to let it through (with these headers), or the Retry-After seconds of a 429. */
  admit(): { headers: Record<string, string> } | { retryAfterSeconds: number } {
    const now = this.now();
    if (this.pendingLockout && this.pendingLockout.left-- <= 0) {
      this.lockout(this.pendingLockout.ms);
      this.pendingLockout = undefined;
    }
    if (this.lockedUntil > now) {
      this.refused++;
      return { retryAfterSeconds: Math.ceil((this.lockedUntil - now) / 1000) };
    }
    this.sent = this.sent.filter((t) => t > now - this.windowMs);
    if (this.sent.length >= this.quota) {
      this.lockout();
      this.refused++;
      return { retryAfterSeconds: Math.ceil(this.lockoutMs / 1000) };
    }
    this.sent.push(now);
    const reset = this.sent.length ? Math.max(1, Math.ceil((this.sent[0]! + this.windowMs - now) / 1000)) : Math.ceil(this.windowMs / 1000);
    return {
      headers: {
        ratelimit: `"default";r=${this.quota - this.sent.length};t=${reset}`,
        "ratelimit-policy": `"default";q=${this.quota};w=${Math.ceil(this.windowMs / 1000)}`,
      },
    };
  }
}
