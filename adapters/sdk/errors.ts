// Typed adapter failures. An adapter says *what happened*; the runtime (engine-owned policy) decides
// whether that becomes a BPMN error, a retry or an incident, so adapters never pick retry timings.

import type { Json } from './json.ts';

export type AdapterErrorKind =
  | 'validation'
  | 'business'
  | 'not_found'
  | 'conflict'
  | 'auth'
  | 'rate_limited'
  | 'transient'
  | 'unknown_outcome';

export const ADAPTER_ERROR_KINDS: readonly AdapterErrorKind[] = [
  'validation',
  'business',
  'not_found',
  'conflict',
  'auth',
  'rate_limited',
  'transient',
  'unknown_outcome',
];

export interface AdapterErrorProblem {
  /** Field path inside the operation's input or the target record, e.g. `items[2].quantity`. */
  path: string;
  message: string;
}

export interface AdapterErrorOptions {
  /** Business error code; required for (and only meaningful on) kind `business`. */
  code?: string;
  /** Structured, JSON-safe data for the process (e.g. which items are short). */
  details?: Json;
  problems?: AdapterErrorProblem[];
  /** For `rate_limited`: how long the remote system asked us to wait. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class AdapterError extends Error {
  readonly kind: AdapterErrorKind;
  readonly code: string | undefined;
  readonly details: Json | undefined;
  readonly problems: AdapterErrorProblem[];
  readonly retryAfterMs: number | undefined;

  constructor(kind: AdapterErrorKind, message: string, options: AdapterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdapterError';
    this.kind = kind;
    this.code = options.code;
    this.details = options.details;
    this.problems = options.problems ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether trying the same call again could succeed without a person changing something. */
  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'unknown_outcome' || this.kind === 'rate_limited';
  }
}

export function isAdapterError(value: unknown): value is AdapterError {
  return value instanceof AdapterError;
}

export function businessError(code: string, message: string, details?: Json): AdapterError {
  return new AdapterError('business', message, { code, details });
}

export function validationError(message: string, problems: AdapterErrorProblem[] = []): AdapterError {
  return new AdapterError('validation', message, { problems });
}

export function notFound(message: string, details?: Json): AdapterError {
  return new AdapterError('not_found', message, { details });
}

export function conflict(message: string, details?: Json): AdapterError {
  return new AdapterError('conflict', message, { details });
}

export function authError(message: string): AdapterError {
  return new AdapterError('auth', message);
}

export function rateLimited(message: string, retryAfterMs?: number): AdapterError {
  return new AdapterError('rate_limited', message, { retryAfterMs });
}

export function transientError(message: string, cause?: unknown): AdapterError {
  return new AdapterError('transient', message, { cause });
}

/** The request may or may not have taken effect (e.g. the connection dropped after sending). */
export function unknownOutcome(message: string, cause?: unknown): AdapterError {
  return new AdapterError('unknown_outcome', message, { cause });
}

/** Parses an HTTP `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
