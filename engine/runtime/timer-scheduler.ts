// Fires timers when they are due. Timers live in the store, so any node can fire any timer: an
// instance timer fires through a command whose revision check lets only one node through, and a
// start timer is claimed with a guarded write before its instance starts. One clock wake-up is
// armed for the earliest timer; polling catches timers other nodes created.

import type { Clock } from '../ports.ts';
import type { Store } from '../store/port.ts';
import type { TimerRecord } from '../types.ts';

export interface TimerHost {
  store: Store;
  clock: Clock;
  fireInstanceTimer(timer: TimerRecord): Promise<void>;
  fireStartTimer(timer: TimerRecord): Promise<void>;
  log(message: string, fields: Record<string, unknown>): void;
}

const BATCH = 100;
const RETRY_FAILED_MS = 5_000;

export class TimerScheduler {
  private armedAt: number | null = null;
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(private readonly host: TimerHost) {}

  /** A timer was scheduled for `dueAt`; wake up earlier if needed. */
  notify(dueAt: number): void {
    if (this.closed) return;
    if (this.armedAt === null || dueAt < this.armedAt) this.armAt(dueAt);
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
    let failed = false;
    for (;;) {
      const due = await this.host.store.dueTimers(this.host.clock.now(), BATCH);
      for (const timer of due) {
        try {
          if (timer.processInstanceId) await this.host.fireInstanceTimer(timer);
          else await this.host.fireStartTimer(timer);
        } catch (err) {
          failed = true;
          this.host.log('timer could not fire', { timerId: timer.id, elementId: timer.elementId, error: (err as Error).message });
        }
      }
      if (due.length < BATCH || failed) break;
    }
    const next = await this.host.store.nextTimerDueAt();
    this.armedAt = null;
    // A timer that failed stays due; try it again a little later instead of spinning on it.
    if (next !== null) this.armAt(failed ? Math.max(next, this.host.clock.now() + RETRY_FAILED_MS) : next);
  }

  private armAt(at: number): void {
    this.cancel?.();
    this.armedAt = at;
    this.cancel = this.host.clock.schedule(at, () => {
      this.armedAt = null;
      void this.fireDue();
    });
  }

  close(): void {
    this.closed = true;
    this.cancel?.();
  }
}
