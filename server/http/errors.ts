// Every failure leaves the server in one shape: {"error": {"code", "message", "details"}}.
// Engine errors already carry status and code (engine/errors.ts); the server adds the few
// statuses that only exist at the HTTP edge.

import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isAdapterError, type AdapterErrorKind } from '../../adapters/sdk/errors.ts';
import { KarvonError, type ErrorDetail } from '../../engine/errors.ts';

export class UnauthenticatedError extends KarvonError {
  constructor(message = 'Sign in first: send Authorization: Bearer <token>.') {
    super(401, 'UNAUTHENTICATED', message);
  }
}

export class TooManyRequestsError extends KarvonError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, code = 'TOO_MANY_REQUESTS') {
    super(429, code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class PayloadTooLargeError extends KarvonError {
  constructor(limit: number) {
    super(
      413,
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than ${limit} bytes (${(limit / 1024 / 1024).toFixed(1)} MB), the limit for this route (KARVON_BODY_LIMIT, or KARVON_DEPLOY_BODY_LIMIT for deployments).`,
    );
  }
}

export class UnsupportedMediaTypeError extends KarvonError {
  constructor() {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send request bodies as application/json.');
  }
}

export class RouteNotFoundError extends KarvonError {
  constructor(method: string, path: string) {
    super(404, 'NOT_FOUND', `No route ${method} ${path}.`);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}

/** Maps body-parser's errors (which carry `type` and `status`) to ours. */
function fromBodyParser(err: { type?: unknown; status?: unknown; limit?: unknown; message?: unknown }): KarvonError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(Number(err.limit));
    case 'entity.parse.failed':
      return new KarvonError(400, 'VALIDATION_FAILED', 'The request body is not valid JSON.', [
        { path: '/body', message: String(err.message ?? 'invalid JSON') },
      ]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError();
    case 'request.aborted':
      return new KarvonError(400, 'REQUEST_ABORTED', 'The client aborted the request.');
    default:
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return new KarvonError(err.status, 'BAD_REQUEST', String(err.message ?? 'Bad request'));
      }
      return null;
  }
}

const ADAPTER_STATUS: Record<AdapterErrorKind, [number, string]> = {
  validation: [400, 'VALIDATION_FAILED'],
  business: [422, 'BUSINESS_RULE'],
  not_found: [404, 'NOT_FOUND'],
  conflict: [409, 'CONFLICT'],
  auth: [502, 'UPSTREAM_AUTH'],
  rate_limited: [503, 'UPSTREAM_RATE_LIMITED'],
  transient: [503, 'UPSTREAM_UNAVAILABLE'],
  unknown_outcome: [503, 'UPSTREAM_UNAVAILABLE'],
};

/** The built-in CRM and ERP speak in adapter errors; over REST they become statuses. */
function fromAdapterError(err: unknown): KarvonError | null {
  if (!isAdapterError(err)) return null;
  const [status, code] = ADAPTER_STATUS[err.kind];
  const details = err.problems.map((p) => ({ path: p.path, message: p.message }));
  return new KarvonError(status, err.kind === 'business' && err.code ? err.code : code, err.message, details);
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let known: KarvonError | null = null;
    if (err instanceof KarvonError) known = err;
    else if (isAdapterError(err)) known = fromAdapterError(err);
    else if (err && typeof err === 'object') known = fromBodyParser(err);

    const log = (req as { log?: Logger }).log ?? logger;
    if (!known) {
      // Internal detail stays in the log; the client gets a request id to quote.
      log.error({ err }, 'unhandled error');
      res.status(500).json(errorBody('INTERNAL', 'Internal server error.'));
      return;
    }
    if (known.status >= 500) log.error({ err: known }, 'server error');
    if (known instanceof TooManyRequestsError) res.setHeader('Retry-After', String(known.retryAfterSeconds));
    if (known.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(known.status).json(errorBody(known.code, known.message, known.details));
  };
}
