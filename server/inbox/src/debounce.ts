// Coalescing bursts of calls into one: live events, typing. Free of the DOM, so its timing is
// tested with the engine's ManualClock (test/inbox/debounce.test.ts).

/** The shape of engine/clock.ts's clocks: the time, and a callback at a time. */
export interface Timer {
  now(): number;
  schedule(at: number, fn: () => void): () => void;
}

export const realTimer: Timer = {
  now: () => Date.now(),
  schedule(at, fn) {
    const handle = globalThis.setTimeout(fn, Math.max(0, at - Date.now()));
    return () => globalThis.clearTimeout(handle);
  },
};

/**
 * Runs `fn` once, `ms` after the last of a burst of calls. With `maxWaitMs` it runs at the latest
 * that long after the first call of the burst: live events from a busy team can come closer
 * together than `ms` for minutes, and a plain debounce would not run until they pause.
 */
export function debounce(fn: () => void, ms = 250, maxWaitMs = Infinity, timer: Timer = realTimer): () => void {
  let cancel: (() => void) | null = null;
  let firstCall: number | null = null;
  return () => {
    const now = timer.now();
    firstCall ??= now;
    cancel?.();
    cancel = timer.schedule(Math.min(now + ms, firstCall + maxWaitMs), () => {
      cancel = null;
      firstCall = null;
      fn();
    });
  };
}
