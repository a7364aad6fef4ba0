// The port between the engine and whatever wakes it up for timers. Timer records in the store
// stay the source of truth either way; a driver only decides when to look at them. Firing goes
// through the host: an instance timer through a command (the revision check and the timer's
// removal let one node through per due time), a start timer through a guarded claim.
//
// Two drivers: the store driver (embedded SQLite: one clock wake-up for the earliest timer, plus
// polling) and the agenda driver (MongoDB: one agenda job per timer due time, so agenda's locking
// spreads timers over the nodes). Both fire through `fireDueTimers` when asked to catch up.

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

export interface TimerDriver {
  readonly kind: 'store' | 'agenda';
  /** Begins waking up for timers; timers already due fire soon after. */
  start(): Promise<void>;
  /** This node committed a timer due at `dueAt`. */
  notify(dueAt: number): void;
  /** The engine's periodic look for work other nodes made. */
  poll(): void;
  /**
   * Fires every timer due by the clock's now, straight from the store. The test clock's
   * `advanceClock` drives time through this on every driver.
   */
  fireDue(): Promise<void>;
  /** Resolves when no firing this driver started is running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function fireTimer(host: TimerHost, timer: TimerRecord): Promise<void> {
  return timer.processInstanceId ? host.fireInstanceTimer(timer) : host.fireStartTimer(timer);
}

const BATCH = 100;

/** Fires what is due now, in due order; true when every timer fired without an error. */
export async function fireDueTimers(host: TimerHost): Promise<boolean> {
  let failed = false;
  for (;;) {
    const due = await host.store.dueTimers(host.clock.now(), BATCH);
    for (const timer of due) {
      try {
        await fireTimer(host, timer);
      } catch (err) {
        failed = true;
        host.log('timer could not fire', { timerId: timer.id, elementId: timer.elementId, error: (err as Error).message });
      }
    }
    if (due.length < BATCH || failed) return !failed;
  }
}
