// Admission control: past a bound on API requests in flight, a request is answered 429 at once
// rather than queued behind the others. Queueing under overload makes every request slow and
// holds its body in memory; refusing early keeps the admitted ones fast and tells clients when
// to come back. Health, metrics, the OpenAPI document, login and event streams are exempt: they
// are how operators and clients see and recover from the overload.

import type { RequestHandler } from 'express';
import { TooManyRequestsError } from './errors.ts';

export class OverloadedError extends TooManyRequestsError {
  constructor(limit: number, retryAfterSeconds: number) {
    super(
      `The server is busy (${limit} requests in progress); nothing was done. Retry after ${retryAfterSeconds} s.`,
      retryAfterSeconds,
      'OVERLOADED',
    );
  }
}

export interface AdmissionOptions {
  /** Requests admitted at once; 0 admits everything. */
  maxInFlight: number;
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

  /** The first handler of every non-exempt route: counts the request until its response is done. */
  readonly gate: RequestHandler = (_req, res, next) => {
    const { maxInFlight, retryAfterSeconds } = this.options;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) {
      this.options.onReject?.();
      next(new OverloadedError(maxInFlight, retryAfterSeconds));
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
