// One GET against the rates API, with its answers sorted into Karvon's error kinds. The adapter
// says what happened; Karvon decides about retries, BPMN errors and incidents.

import { authError, notFound, parseRetryAfter, rateLimited, transientError, validationError, type OperationContext } from '../../adapters/sdk/index.ts';
import type { RatesConfig } from './config.ts';

export interface RatesAnswer {
  base: string;
  date: string;
  rates: Record<string, number>;
}

export async function fetchRates(base: string, context: OperationContext<RatesConfig>): Promise<RatesAnswer> {
  const url = `${context.config.baseUrl.replace(/\/+$/, '')}/v1/latest?base=${encodeURIComponent(base)}`;
  let res: Response;
  try {
    // The signal ends the call when Karvon's timeout for the task runs out.
    res = await fetch(url, { headers: { authorization: `Bearer ${context.config.apiKey}` }, signal: context.signal });
  } catch (error) {
    // A read is safe to repeat, so a network failure is simply transient.
    throw transientError(`rates service unreachable: ${(error as Error).message}`, error);
  }
  if (res.status === 429) throw rateLimited('rates service: too many requests', parseRetryAfter(res.headers.get('retry-after'), context.now()));
  if (res.status === 401 || res.status === 403) throw authError('rates service refused the API key');
  if (res.status === 404) throw notFound(`rates service knows no currency ${base}`);
  if (res.status >= 500) throw transientError(`rates service answered ${res.status}`);
  if (!res.ok) throw validationError(`rates service answered ${res.status}`);
  return (await res.json()) as RatesAnswer;
}
