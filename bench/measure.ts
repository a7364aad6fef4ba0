// Small measuring tools shared by both engines' scenarios: latency samples, a bounded pool of
// concurrent callers, CPU and heap readings, and a wait that fails loudly instead of hanging.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Latencies in ms; kept whole so percentiles are exact rather than estimated from buckets. */
export class Samples {
  private values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
  }

  get count(): number {
    return this.values.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.values).sort();
    const n = sorted.length;
    if (n === 0) return { count: 0, p50: 0, p99: 0, mean: 0, max: 0 };
    let sum = 0;
    for (const v of sorted) sum += v;
    return { count: n, p50: rank(sorted, 0.5), p99: rank(sorted, 0.99), mean: sum / n, max: sorted[n - 1] };
  }
}

/** Nearest-rank percentile: always a value that was actually observed. */
function rank(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Runs `fn(0..count-1)` with at most `concurrency` calls in flight, like that many clients. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
}

/** User plus system CPU in ms since `since`: SQLite's writes show up as system time. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

let gcFn: (() => void) | null | undefined;

/**
 * A full GC so heap readings mean live objects, not garbage. `npm run bench` starts node without
 * --expose-gc, so the flag is switched on at run time and `gc` fetched from a fresh context.
 */
export function collectGarbage(): boolean {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      try {
        setFlagsFromString('--expose-gc');
        gcFn = runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  if (!gcFn) return false;
  // Twice: the first pass can leave objects whose finalizers free more on the second.
  gcFn();
  gcFn();
  return true;
}

export function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Resolves once `done()` holds; `poke()` re-checks (call it from event listeners). Rejects when
 * nothing moved for `stallMs`, so a lost job or signal ends the run with a reason, not a hang.
 */
export class Progress {
  private waiter: { done: () => boolean; resolve: () => void; reject: (e: Error) => void; what: () => string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;

  constructor(private readonly stallMs = 15_000) {}

  until(done: () => boolean, what: () => string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiter = { done, resolve, reject, what };
      this.arm();
    });
  }

  /** Something went wrong where no caller awaits (an engine's error event): fail the wait. */
  fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiter;
    this.waiter = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    w?.reject(error);
  }

  poke(): void {
    const w = this.waiter;
    if (!w) return;
    if (w.done()) {
      this.waiter = null;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      w.resolve();
      return;
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => {
        const w = this.waiter;
        this.waiter = null;
        this.timer = null;
        w?.reject(new Error(`no progress for ${this.stallMs} ms: ${w.what()}`));
      }, this.stallMs);
    }
  }
}
