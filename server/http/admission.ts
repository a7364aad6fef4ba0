// Admission control: past a bound on API requests in flight, or while the event loop runs late
// by more than a bound, a request is answered 429 at once rather than queued behind the others.
// Queueing under overload makes every request slow and holds its body in memory; refusing early
// keeps the admitted ones fast and tells clients when to come back. In-flight requests pile up
// on an asynchronous store (MongoDB); on the embedded store handlers barely yield, so overload
// shows as event-loop lag instead (event-loop-lag.ts). Health, metrics, the OpenAPI document and
// event streams are exempt: they are how operators see the overload. Sign-in is not: checking a
// password is some of the costliest work the server does.

import type { RequestHandler } from 'express';
import { TooManyRequestsError } from './errors.ts';

export class OverloadedError extends TooManyRequestsError {
  constructor(why: string, retryAfterSeconds: number) {
    super(`The server is busy (${why}); nothing was done. Retry after ${retryAfterSeconds} s.`, retryAfterSeconds, 'OVERLOADED');
  }
}

export interface AdmissionOptions {
  /** Requests admitted at once; 0 admits everything. */
  maxInFlight: number;
  /** Event-loop lateness (ms) past which requests are refused; 0 turns the check off. */
  maxEventLoopLagMs: number;
  /** The current lateness; required when maxEventLoopLagMs is set. */
  eventLoopLag?: () => number;
  retryAfterSeconds: number;
  /** Called for each request turned away (the metric). */
  onReject?: () => void;
}

export class Admission {
  private inFlight = 0;
  constructor(private readonly options: AdmissionOptions) {}

  get current(): number {
    return this.inFlight;
  }

  private overloaded(): string | null {
    const { maxInFlight, maxEventLoopLagMs, eventLoopLag } = this.options;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) return `${maxInFlight} requests in progress`;
    if (maxEventLoopLagMs > 0 && eventLoopLag) {
      const lag = eventLoopLag();
      if (lag > maxEventLoopLagMs) return `requests wait ${Math.round(lag)} ms before they are read`;
    }
    return null;
  }

  /** The first handler of every non-exempt route: counts the request until its response is done. */
  readonly gate: RequestHandler = (_req, res, next) => {
    const why = this.overloaded();
    if (why !== null) {
      this.options.onReject?.();
      next(new OverloadedError(why, this.options.retryAfterSeconds));
      return;
    }
    this.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
    };
    // 'close' follows 'finish', and also comes alone when the client goes away mid-request.
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}
