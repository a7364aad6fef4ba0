// Login throttling per username and client address. After `maxFailures` wrong passwords the
// pair is locked out; every further failure after a lockout doubles the next one. A correct
// password resets the count. Kept in memory: one server process owns its sign-ins.

export interface ThrottleOptions {
  maxFailures: number;
  lockoutMs: number;
  maxLockoutMs: number;
  /** Entries kept at most; the oldest are forgotten first. */
  maxEntries?: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly options: ThrottleOptions) {}

  static key(username: string, ip: string): string {
    return `${username.toLowerCase()}\u0000${ip}`;
  }

  /** Seconds the caller must wait before trying again, or 0. */
  retryAfter(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry || entry.lockedUntil <= now) return 0;
    return Math.ceil((entry.lockedUntil - now) / 1000);
  }

  fail(key: string, now: number): void {
    const entry = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, lastFailure: 0 };
    // A long quiet spell forgives old failures.
    if (now - entry.lastFailure > this.options.maxLockoutMs * 4) entry.failures = 0;
    entry.failures += 1;
    entry.lastFailure = now;
    const over = entry.failures - this.options.maxFailures;
    if (over >= 0) {
      const lockout = Math.min(this.options.lockoutMs * 2 ** Math.min(over, 30), this.options.maxLockoutMs);
      entry.lockedUntil = now + lockout;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.trim();
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private trim(): void {
    const max = this.options.maxEntries ?? 10_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
