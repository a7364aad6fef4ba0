// How late the event loop runs a timer. On the embedded store every request is handled almost
// entirely synchronously, so overload never shows as many requests in flight: it shows as
// requests waiting in socket buffers while the loop is busy, which is exactly this lateness.

export interface LagProbe {
  /** Lateness of the most recent tick, in ms. */
  current(): number;
  stop(): void;
}

export function startLagProbe(intervalMs = 100): LagProbe {
  let lag = 0;
  let expected = performance.now() + intervalMs;
  let timer: NodeJS.Timeout;
  const tick = () => {
    const now = performance.now();
    lag = Math.max(0, now - expected);
    expected = now + intervalMs;
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref();
  return {
    current: () => lag,
    stop: () => clearTimeout(timer),
  };
}
