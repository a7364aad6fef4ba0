// The embedded store's timer driver: one clock wake-up is armed for the earliest timer in the
// store, and polling catches timers other processes on the same file created.

import { fireDueTimers, type TimerDriver, type TimerHost } from './timer-driver.ts';

const RETRY_FAILED_MS = 5_000;

export class StoreTimerDriver implements TimerDriver {
  readonly kind = 'store' as const;
  private armedAt: number | null = null;
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(private readonly host: TimerHost) {}

  async start(): Promise<void> {
    void this.fireDue();
  }

  /** A timer was scheduled for `dueAt`; wake up earlier if needed. */
  notify(dueAt: number): void {
    if (this.closed) return;
    if (this.armedAt === null || dueAt < this.armedAt) this.armAt(dueAt);
  }

  poll(): void {
    void this.fireDue();
  }

  /** Fires everything due now; concurrent calls coalesce into one more round. */
  fireDue(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.fireDue();
      }
    });
    return this.running;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async round(): Promise<void> {
    const ok = await fireDueTimers(this.host);
    const next = await this.host.store.nextTimerDueAt();
    this.armedAt = null;
    // A timer that failed stays due; try it again a little later instead of spinning on it.
    if (next !== null) this.armAt(ok ? next : Math.max(next, this.host.clock.now() + RETRY_FAILED_MS));
  }

  private armAt(at: number): void {
    this.cancel?.();
    this.armedAt = at;
    this.cancel = this.host.clock.schedule(at, () => {
      this.armedAt = null;
      void this.fireDue();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancel?.();
    await this.idle();
  }
}
