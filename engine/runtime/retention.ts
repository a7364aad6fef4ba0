// History retention: every `everyMs` of engine time, removes instances that ended more than
// `ttlMs` ago with their tasks, jobs, incidents, subscriptions, timers and history. Each node
// runs its own; the store's purge is safe to run concurrently, so nodes need no coordination
// (two nodes at once only share the work). Batches keep each write short, and a run stops after
// `maxBatches` so a large backlog is worked off over several runs instead of in one long burst.
//
// Time comes from the engine clock: with the manual clock a test moves time and the purge
// follows, with no sleeps.

import type { Clock } from '../ports.ts';
import type { Store } from '../store/port.ts';

export interface RetentionOptions {
  store: Store;
  clock: Clock;
  /** How long an ended instance is kept; > 0. */
  ttlMs: number;
  /** Interval between runs; > 0. */
  everyMs: number;
  /** Instances per purge call (one short write each). Default 200. */
  batchSize?: number;
  /** Batches per run at most. Default 50. */
  maxBatches?: number;
  /** Told how many instances each run removed (metrics). */
  onPurged?: (count: number) => void;
  onError?: (error: unknown) => void;
}

export class RetentionJob {
  private cancel: (() => void) | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;
  private readonly batchSize: number;
  private readonly maxBatches: number;

  constructor(private readonly options: RetentionOptions) {
    if (!(options.ttlMs > 0)) throw new RangeError(`retention ttlMs must be > 0, got ${options.ttlMs}`);
    if (!(options.everyMs > 0)) throw new RangeError(`retention everyMs must be > 0, got ${options.everyMs}`);
    this.batchSize = options.batchSize ?? 200;
    this.maxBatches = options.maxBatches ?? 50;
  }

  /** Arms the first run one interval from now; each run arms the next. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
  }

  /** Settles when the run in progress (if any) has finished. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /**
   * One run now: purges batches of instances that ended before now − ttl until a batch comes
   * back short or maxBatches is reached. Returns how many instances it removed. A run already
   * in progress is joined, not doubled.
   */
  runOnce(): Promise<number> {
    this.running ??= this.purge().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async purge(): Promise<number> {
    const cutoff = new Date(this.options.clock.now() - this.options.ttlMs).toISOString();
    let total = 0;
    for (let batch = 0; batch < this.maxBatches; batch++) {
      const purged = await this.options.store.purgeEndedInstances(cutoff, this.batchSize);
      total += purged.length;
      if (purged.length < this.batchSize) break;
    }
    if (total > 0) this.options.onPurged?.(total);
    return total;
  }

  private arm(): void {
    if (this.stopped) return;
    this.cancel = this.options.clock.schedule(this.options.clock.now() + this.options.everyMs, () => {
      this.cancel = null;
      void this.runOnce()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => this.arm());
    });
  }
}
