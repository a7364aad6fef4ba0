// A consecutive-failure circuit breaker on the engine's clock. cockatiel's CircuitBreakerPolicy
// reads Date.now() for its half-open wait and has no clock option, so a test clock could not move
// it and a rejection could not say how long the circuit stays open; this one does both.

/** A call refused because the circuit is open; `retryAfterMs` is when it will let a probe through. */
export class CircuitOpenError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`circuit open for another ${retryAfterMs} ms`);
    this.name = 'CircuitOpenError';
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive counted failures that open the circuit. */
  threshold: number;
  /** How long an open circuit refuses calls before one probe may go through. */
  halfOpenAfterMs: number;
  /** Which failures say the remote system is unwell; others neither count nor reset the count. */
  counts: (error: unknown) => boolean;
  now: () => number;
}

type State =
  | { kind: 'closed'; failures: number }
  | { kind: 'open'; openedAt: number }
  | { kind: 'halfOpen'; probe: Promise<unknown> };

export class CircuitBreaker {
  private state: State = { kind: 'closed', failures: 0 };

  constructor(private readonly options: CircuitBreakerOptions) {}

  get current(): State['kind'] {
    return this.state.kind;
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state.kind === 'halfOpen') {
      // One probe at a time; the others follow its verdict, as cockatiel's breaker does.
      await state.probe.catch(() => undefined);
      return this.execute(fn);
    }
    if (state.kind === 'open') {
      const remaining = state.openedAt + this.options.halfOpenAfterMs - this.options.now();
      if (remaining > 0) throw new CircuitOpenError(remaining);
      const probe = this.probe(fn);
      this.state = { kind: 'halfOpen', probe };
      return probe;
    }
    try {
      const result = await fn();
      if (this.state.kind === 'closed') this.state = { kind: 'closed', failures: 0 };
      return result;
    } catch (error) {
      if (this.options.counts(error) && this.state.kind === 'closed') {
        const failures = this.state.failures + 1;
        this.state = failures >= this.options.threshold ? { kind: 'open', openedAt: this.options.now() } : { kind: 'closed', failures };
      }
      throw error;
    }
  }

  private async probe<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.state = { kind: 'closed', failures: 0 };
      return result;
    } catch (error) {
      // A request-specific error says nothing about the remote system being unwell.
      this.state = this.options.counts(error) ? { kind: 'open', openedAt: this.options.now() } : { kind: 'closed', failures: 0 };
      throw error;
    }
  }
}
