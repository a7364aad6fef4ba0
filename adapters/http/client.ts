// One HTTP exchange over node:http(s), classified into the SDK's error kinds. node:http rather than
// fetch because the policy needs to know whether the request had been fully sent when the
// connection broke: a reset before sending is safe to retry, a reset after sending a create is an
// unknown outcome that the adapter must resolve by looking the document up.

import http from 'node:http';
import https from 'node:https';
import { AdapterError, parseRetryAfter, transientError, unknownOutcome } from '../sdk/errors.ts';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent as is; set `content-type` yourself. */
  body?: string;
  /** Repeating the request cannot duplicate an effect (GET, a keyed upsert, a search). */
  idempotent: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Names the call in errors instead of the URL, which may carry a token. */
  label: string;
}

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  text: string;
}

/** Sends the request; network failures come back as `transient` or `unknown_outcome` AdapterErrors. */
export function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      reject(new AdapterError('validation', `${request.label}: the configured URL is not valid`));
      return;
    }
    const transport = url.protocol === 'https:' ? https : http;
    let sent = false;
    let settled = false;
    const fail = (reason: string, cause: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      // Only a request that may have reached the server and changed something is "unknown".
      reject(sent && !request.idempotent ? unknownOutcome(`${request.label}: ${reason} after the request was sent; it may or may not have taken effect`, cause) : transientError(`${request.label}: ${reason}`, cause));
    };
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = transport.request(url, { method: request.method, headers, agent: false });
    const timer = request.timeoutMs ? setTimeout(() => { fail(`no answer within ${request.timeoutMs} ms`, undefined); req.destroy(); }, request.timeoutMs) : null;
    const onAbort = () => {
      fail('canceled', request.signal?.reason);
      req.destroy();
    };
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    };
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('finish', () => {
      sent = true;
    });
    req.on('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ECONNRESET' || error.message.includes('socket hang up') ? 'connection reset' : `network error ${error.code ?? ''}`.trim(), error));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => fail('connection broke while reading the answer', error));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        cleanup();
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: flat, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
}

/**
 * The generic status → kind mapping. `message` is what the remote system said, already stripped of
 * anything secret by the caller.
 */
export function errorForStatus(status: number, headers: Readonly<Record<string, string>>, message: string, now: number): AdapterError {
  if (status === 429) return new AdapterError('rate_limited', message, { retryAfterMs: parseRetryAfter(headers['retry-after'], now) });
  if (status >= 500) return transientError(message);
  if (status === 401 || status === 403) return new AdapterError('auth', message);
  if (status === 404 || status === 410) return new AdapterError('not_found', message);
  if (status === 409 || status === 412) return new AdapterError('conflict', message);
  return new AdapterError('validation', message);
}

/** Parses JSON, or returns undefined for an empty or non-JSON body. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
