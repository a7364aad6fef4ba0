// Calls Bitrix24 REST methods: builds the webhook or OAuth request, keeps to the portal's leaky
// bucket on our side (so a busy process does not burn the portal's budget for every other
// integration), and turns Bitrix24's `{error, error_description}` answers into adapter errors.

import type { ConnectionContext } from '../sdk/descriptor.ts';
import { AdapterError, authError, notFound, rateLimited, transientError, validationError } from '../sdk/errors.ts';
import { createRedactor } from '../sdk/secrets.ts';
import { errorForStatus, parseJson, sendHttp } from '../http/client.ts';
import type { Bitrix24Config } from './config.ts';

export type BxValue = string | number | boolean | null | BxValue[] | { [key: string]: BxValue };
export type BxRecord = Record<string, BxValue>;

export interface BxCallOptions {
  /** Writes that would repeat an effect when re-sent (add, update of a counter). */
  idempotent?: boolean;
}

export interface BxListResult {
  result: BxRecord[];
  total: number;
  next: number | null;
}

/**
 * One bucket per portal and process: Bitrix24 counts requests per portal, so two connections to
 * the same portal share the budget.
 */
const buckets = new Map<string, { level: number; at: number }>();

/** How long to wait before the next request keeps the bucket below its size. Reserves the slot. */
export function takeSlot(key: string, perSecond: number, burst: number, now: number): number {
  const bucket = buckets.get(key) ?? { level: 0, at: now };
  const drained = Math.max(0, bucket.level - ((now - bucket.at) / 1000) * perSecond);
  const level = drained + 1;
  buckets.set(key, { level, at: now });
  return level <= burst ? 0 : Math.ceil(((level - burst) / perSecond) * 1000);
}

/** Forgets the buckets (tests start each case with a full budget). */
export function resetBuckets(): void {
  buckets.clear();
}

const AUTH_CODES = new Set(['expired_token', 'invalid_token', 'INVALID_CREDENTIALS', 'NO_AUTH_FOUND', 'insufficient_scope', 'ACCESS_DENIED', 'WRONG_AUTH_TYPE', 'INVALID_REQUEST', 'PAYMENT_REQUIRED', 'OVERLOAD_LIMIT', 'authorization_error']);
const TRANSIENT_CODES = new Set(['INTERNAL_SERVER_ERROR', 'ERROR_UNEXPECTED_ANSWER', 'ERROR_CORE', 'PORTAL_DELETED_TEMPORARILY']);

export class Bitrix24Client {
  private readonly config: Bitrix24Config;
  private readonly redact: (text: string) => string;

  constructor(private readonly context: ConnectionContext<Bitrix24Config>) {
    this.config = context.config;
    const secrets = [this.config.webhookToken, this.config.accessToken].filter((s): s is string => typeof s === 'string' && s.length >= 4);
    this.redact = createRedactor(secrets).text;
  }

  async call(method: string, params: BxRecord, options: BxCallOptions = {}): Promise<BxValue> {
    const body = await this.raw(method, params, options);
    return body.result ?? null;
  }

  async list(method: string, params: BxRecord): Promise<BxListResult> {
    const body = await this.raw(method, params, { idempotent: true });
    const result = Array.isArray(body.result) ? (body.result as BxRecord[]) : [];
    return { result, total: typeof body.total === 'number' ? body.total : result.length, next: typeof body.next === 'number' ? body.next : null };
  }

  private async raw(method: string, params: BxRecord, options: BxCallOptions): Promise<BxRecord> {
    const { portalUrl, webhookUserId, webhookToken, accessToken } = this.config;
    const base = portalUrl.replace(/\/+$/, '');
    let url: string;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (webhookUserId && webhookToken) url = `${base}/rest/${webhookUserId}/${webhookToken}/${method}.json`;
    else if (accessToken) {
      url = `${base}/rest/${method}.json`;
      headers.authorization = `Bearer ${accessToken}`;
    } else throw authError(`Bitrix24 ${method}: the connection has neither a webhook (webhookUserId + webhookToken) nor an OAuth accessToken`);

    // One slot of headroom: our clock and the portal's never agree to the millisecond.
    const wait = takeSlot(base, this.config.requestsPerSecond ?? 2, Math.max(1, (this.config.burst ?? 50) - 1), Date.now());
    if (wait > 0) {
      this.context.logger.debug('waiting for the Bitrix24 request budget', { method, waitMs: wait });
      await sleep(wait, this.context.signal);
    }
    const label = `Bitrix24 ${method}`;
    const response = await sendHttp({ method: 'POST', url, headers, body: JSON.stringify(params), idempotent: options.idempotent ?? false, signal: this.context.signal, label });
    const parsed = parseJson(response.text);
    const body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as BxRecord) : {};
    if (typeof body.error === 'string' || response.status >= 400) {
      throw this.errorFor(method, response.status, response.headers, body);
    }
    if (parsed === undefined) throw transientError(`${label}: the portal answered ${response.status} without JSON`);
    return body;
  }

  private errorFor(method: string, status: number, headers: Readonly<Record<string, string>>, body: BxRecord): AdapterError {
    const code = typeof body.error === 'string' ? body.error : '';
    const description = typeof body.error_description === 'string' ? body.error_description : '';
    // A token can come back inside the portal's own text (e.g. "token xyz expired"): scrub it.
    const message = this.redact(`Bitrix24 ${method} failed: ${code || `HTTP ${status}`}${description ? ` (${description})` : ''}`);
    if (code === 'QUERY_LIMIT_EXCEEDED') {
      // The bucket leaks one request per 1/rate seconds; waiting that long frees a slot.
      const retryAfter = headers['retry-after'] ? errorForStatus(429, headers, message, Date.now()).retryAfterMs : undefined;
      return rateLimited(message, retryAfter ?? Math.ceil(1000 / (this.config.requestsPerSecond ?? 2)));
    }
    if (AUTH_CODES.has(code)) return authError(message);
    if (code === 'NOT_FOUND' || code === 'ERROR_NOT_FOUND' || /not found/i.test(description)) return notFound(message);
    if (TRANSIENT_CODES.has(code)) return transientError(message);
    if (code === 'ERROR_METHOD_NOT_FOUND') return validationError(message, [{ path: 'method', message: `${method} is not available on this portal or for this webhook's scope` }]);
    if (code !== '' && status < 500) return validationError(message);
    return errorForStatus(status, headers, message, Date.now());
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
