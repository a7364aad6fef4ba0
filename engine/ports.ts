// Ports: the engine's only ways to reach time, randomness and the systems that do the work.

import type { Json, Variables } from './types.ts';

/** Time is an input. Production reads the system clock; tests move a manual one. */
export interface Clock {
  now(): number;
  /** Calls `fn` once the clock reaches `at` (epoch ms). Returns a cancel function. */
  schedule(at: number, fn: () => void): () => void;
}

export interface IdGenerator {
  next(): string;
}

/** A job handed to an in-process handler (an adapter operation). */
export interface InProcessJob {
  key: string;
  type: string;
  processInstanceId: string;
  processKey: string;
  elementId: string;
  /** Retries left including this attempt. */
  retries: number;
  /** Attempt number for this job, 1-based, stable across node restarts only as far as retries tell. */
  attempt: number;
  /** Input: the task's local variables after input mappings, over the visible process variables. */
  variables: Variables;
  customHeaders: Record<string, string>;
  /** Stable across retries of the same task activation: hash of instance, element and loop index. */
  idempotencyKey: string;
  signal: AbortSignal;
}

/** What an in-process handler decided; the engine owns the policy that follows. */
export type JobOutcome =
  | { kind: 'complete'; variables: Variables }
  /** A business error declared by the operation: thrown as a BPMN error with this code. */
  | { kind: 'bpmnError'; errorCode: string; errorMessage: string; variables?: Variables }
  /**
   * A technical failure. `retryable: false` goes straight to an incident; otherwise the job is
   * retried after `backoffMs` while retries remain. `consumeRetry: false` (rate limits) waits
   * without using up a retry.
   */
  | { kind: 'fail'; errorMessage: string; retryable: boolean; backoffMs?: number; consumeRetry?: boolean };

export interface InProcessJobHandler {
  /** Whether this handler runs jobs of this type (e.g. `crm.getCustomerCard`). */
  handles(type: string): boolean;
  run(job: InProcessJob): Promise<JobOutcome>;
}

export type { Json };
