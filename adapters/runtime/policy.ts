// The engine-owned failure policy: which adapter error kind becomes a BPMN error, a retry or an
// incident. Pure: randomness comes in, so tests compare exact outcomes.

import type { JobOutcome } from '../../engine/ports.ts';
import type { Variables } from '../../engine/types.ts';
import type { AdapterError } from '../sdk/errors.ts';

export interface RetryPolicy {
  /** Backoff before the second attempt. */
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 1_000, maxMs: 5 * 60_000, factor: 2 };

/**
 * Exponential backoff with "equal jitter": half the step is fixed so retries never bunch at zero,
 * half is random so many jobs failing together do not retry in lockstep.
 */
export function backoffMs(attempt: number, retry: RetryPolicy, random: () => number): number {
  const step = Math.min(retry.maxMs, retry.initialMs * Math.pow(retry.factor, Math.max(0, attempt - 1)));
  return Math.round(step / 2 + random() * (step / 2));
}

export interface PolicyContext {
  /** `crm.getCustomerCard (connection "crm") at element "Task_1"`: prefixes every message. */
  where: string;
  attempt: number;
  declaredErrors: Readonly<Record<string, string>>;
  retry: RetryPolicy;
  random: () => number;
}

/** Where a business error's code, message and details land in the process. */
export const ERROR_VARIABLE = 'error';

export type FailureOutcome = Exclude<JobOutcome, { kind: 'complete' }>;

export function outcomeForError(error: AdapterError, ctx: PolicyContext): FailureOutcome {
  const message = `${ctx.where}: ${error.message}${problemsSuffix(error)}`;
  switch (error.kind) {
    case 'business': {
      const code = error.code ?? '';
      if (!Object.hasOwn(ctx.declaredErrors, code)) {
        // An undeclared code is an adapter bug; a diagram could not have been designed to catch it.
        return { kind: 'fail', retryable: false, errorMessage: `${ctx.where}: undeclared business error code "${code}": ${error.message}` };
      }
      const variables: Variables = {
        [ERROR_VARIABLE]: { code, message: error.message, details: error.details ?? null },
      };
      return { kind: 'bpmnError', errorCode: code, errorMessage: error.message, variables };
    }
    case 'transient':
    case 'unknown_outcome':
      return { kind: 'fail', retryable: true, errorMessage: message, backoffMs: backoffMs(ctx.attempt, ctx.retry, ctx.random) };
    case 'rate_limited':
      return {
        kind: 'fail',
        retryable: true,
        errorMessage: message,
        backoffMs: error.retryAfterMs ?? backoffMs(ctx.attempt, ctx.retry, ctx.random),
        consumeRetry: false,
      };
    case 'auth':
    case 'validation':
    case 'not_found':
    case 'conflict':
      return { kind: 'fail', retryable: false, errorMessage: message };
  }
}

function problemsSuffix(error: AdapterError): string {
  if (error.problems.length === 0) return '';
  const listed = error.problems.map((p) => `${p.path} ${p.message}`).join('; ');
  return error.message.includes(listed) ? '' : ` (${listed})`;
}
