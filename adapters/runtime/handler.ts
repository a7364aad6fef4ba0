// Runs adapter operations as in-process jobs: pick the declared input, validate it, call the
// handler under the connection's bulkhead, circuit breaker and timeout, validate the output, and
// turn whatever happened into a JobOutcome through the engine-owned policy (policy.ts).

import { BulkheadRejectedError, bulkhead, type BulkheadPolicy } from 'cockatiel';
import type { ValidateFunction } from 'ajv';
import type { Clock, InProcessJob, InProcessJobHandler, JobOutcome } from '../../engine/ports.ts';
import type { Variables } from '../../engine/types.ts';
import { SystemClock } from '../../engine/clock.ts';
import { KarvonError } from '../../engine/errors.ts';
import { createAjv, formatAjvErrors, describeProblems } from '../sdk/ajv.ts';
import type { AdapterLogger, LogFields, OperationContext, OperationDescriptor } from '../sdk/descriptor.ts';
import { AdapterError, isAdapterError } from '../sdk/errors.ts';
import type { JsonObject } from '../sdk/json.ts';
import { createRedactor, secretValues, type Redactor } from '../sdk/secrets.ts';
import { CircuitBreaker, CircuitOpenError } from './breaker.ts';
import type { Connection } from './connections.ts';
import { DEFAULT_RETRY, backoffMs, outcomeForError, type FailureOutcome, type RetryPolicy } from './policy.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Where runtime and adapter logs go; fields are already redacted. */
export type LogSink = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

export interface AdapterJobHandlerOptions {
  connections: readonly Connection[];
  /**
   * Only `now` and `schedule` are used: timeouts run on the engine's clock. Defaults to the system
   * clock; `useClock` swaps in the engine's once it exists (it is created after the handlers).
   */
  clock?: Pick<Clock, 'now' | 'schedule'>;
  /** Jitter source; tests pass a constant. */
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  log?: LogSink;
}

/** Thrown into a call whose time ran out. */
export class OperationTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'OperationTimeoutError';
  }
}

interface BoundOperation {
  connection: Connection;
  operation: OperationDescriptor;
  validateInput: ValidateFunction;
  validateOutput: ValidateFunction;
  inputKeys: string[] | null;
}

interface ConnectionRuntime {
  breaker: CircuitBreaker;
  bulkhead: BulkheadPolicy;
  redactor: Redactor;
}

export class AdapterJobHandler implements InProcessJobHandler {
  private readonly operations = new Map<string, BoundOperation>();
  private readonly runtimes = new Map<string, ConnectionRuntime>();
  private clock: Pick<Clock, 'now' | 'schedule'>;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private readonly log: LogSink;
  private readonly ajv = createAjv();
  /** Connections removed while this node runs, with the reason their jobs are refused. */
  private readonly removed = new Map<string, string>();
  private refresh: ((connection: string) => Promise<void>) | null = null;

  constructor(options: AdapterJobHandlerOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.random = options.random ?? Math.random;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.log ?? (() => {});
    for (const connection of options.connections) this.setConnection(connection);
  }

  /**
   * Binds a connection, replacing any earlier binding of the same name: new operations, and a new
   * breaker, bulkhead and redactor, since their state belongs to the old configuration (an open
   * circuit against the old URL says nothing about the new one). Calls already running keep what
   * they started with: `run` holds its binding for the whole call.
   */
  setConnection(connection: Connection): void {
    this.dropOperations(connection.name);
    this.removed.delete(connection.name);
    const limits = connection.limits;
    this.runtimes.set(connection.name, {
      breaker: new CircuitBreaker({
        threshold: limits.breakerThreshold,
        halfOpenAfterMs: limits.breakerHalfOpenAfterMs,
        counts: isSystemFailure,
        // Read through `this.clock` so `useClock` moves the breaker's wait too.
        now: () => this.clock.now(),
      }),
      bulkhead: bulkhead(limits.maxConcurrent, limits.maxQueued),
      redactor: createRedactor(secretValues(connection.adapter.configSchema, connection.config)),
    });
    for (const operation of connection.adapter.operations) {
      const props = operation.inputSchema.properties;
      this.operations.set(`${connection.name}.${operation.name}`, {
        connection,
        operation,
        validateInput: this.ajv.compile(operation.inputSchema),
        validateOutput: this.ajv.compile(operation.outputSchema),
        inputKeys: props ? Object.keys(props) : null,
      });
    }
  }

  /**
   * Unbinds a connection. Its task types are still claimed on this node, so a job that reaches one
   * becomes an incident naming the missing connection instead of silently waiting for an external
   * worker; `reason` says why in that incident.
   */
  removeConnection(name: string, reason: string): void {
    this.dropOperations(name);
    this.runtimes.delete(name);
    this.removed.set(name, reason);
  }

  /**
   * Called with the connection name before each job: lets the owner bring that connection up to
   * date first (a change another node stored), so the job runs with the current configuration.
   */
  useRefresh(refresh: (connection: string) => Promise<void>): void {
    this.refresh = refresh;
  }

  private dropOperations(name: string): void {
    for (const key of [...this.operations.keys()]) if (key.startsWith(`${name}.`)) this.operations.delete(key);
  }

  /** Runs timeouts and breaker waits on this clock from now on (the engine's, so a test clock also moves them). */
  useClock(clock: Pick<Clock, 'now' | 'schedule'>): void {
    this.clock = clock;
  }

  handles(type: string): boolean {
    return this.operations.has(type) || this.removed.has(connectionOf(type));
  }

  /** Task types this handler runs, for the engine's job polling. */
  types(): string[] {
    return [...this.operations.keys()];
  }

  async run(job: InProcessJob): Promise<JobOutcome> {
    const name = connectionOf(job.type);
    if (this.refresh) {
      try {
        await this.refresh(name);
      } catch (error) {
        // The store could not be read: try again later rather than run on a configuration that may be stale.
        return { kind: 'fail', retryable: true, consumeRetry: false, backoffMs: backoffMs(1, this.retry, this.random), errorMessage: `${job.type}: the configuration of connection "${name}" could not be read: ${(error as Error).message}` };
      }
    }
    const bound = this.operations.get(job.type);
    if (!bound) {
      const removed = this.removed.get(name);
      const errorMessage = removed
        ? `${job.type} at element "${job.elementId}" of process "${job.processKey}": connection "${name}" no longer exists (${removed}); create it again, then resolve this incident`
        : `No adapter operation "${job.type}" is loaded`;
      return { kind: 'fail', retryable: false, errorMessage };
    }
    const { connection, operation } = bound;
    const runtime = this.runtimes.get(connection.name)!;
    const where = `${job.type} (connection "${connection.name}", adapter "${connection.adapter.name}") at element "${job.elementId}" of process "${job.processKey}"`;
    const redact = runtime.redactor;
    const fields = { connection: connection.name, operation: operation.name, elementId: job.elementId, processInstanceId: job.processInstanceId, attempt: job.attempt };

    // Jobs carry the visible process variables too; the operation gets only what it declares, so a
    // strict input schema does not reject the rest of the process's data.
    const input: Record<string, unknown> = {};
    if (bound.inputKeys) {
      for (const key of bound.inputKeys) if (job.variables[key] !== undefined) input[key] = structuredClone(job.variables[key]);
    } else Object.assign(input, structuredClone(job.variables));

    if (!bound.validateInput(input)) {
      const problems = formatAjvErrors(bound.validateInput.errors);
      const message = `Invalid input for ${where}: ${describeProblems(problems)}`;
      this.emit(redact, 'warn', message, fields);
      return { kind: 'fail', retryable: false, errorMessage: redact.text(message) };
    }

    const timeoutMs = operation.timeoutMs ?? connection.limits.timeoutMs;
    const started = this.clock.now();
    let output: unknown;
    try {
      // Breaker outside the bulkhead: an open circuit answers at once instead of queueing.
      output = await runtime.breaker.execute(() => runtime.bulkhead.execute(() => this.call(bound, job, input, timeoutMs, runtime.redactor)));
    } catch (error) {
      const outcome = this.outcomeFor(error, bound, job, where, runtime);
      const level: LogLevel = outcome.kind === 'bpmnError' ? 'info' : 'warn';
      this.emit(redact, level, `${job.type} ${outcome.kind === 'bpmnError' ? `threw ${outcome.errorCode}` : 'failed'}: ${outcome.errorMessage}`, { ...fields, outcome: outcome.kind });
      return redact.value(outcome);
    }

    if (!bound.validateOutput(output)) {
      const problems = formatAjvErrors(bound.validateOutput.errors);
      const message = `Invalid output from ${where}: ${describeProblems(problems)}`;
      this.emit(redact, 'error', message, fields);
      return { kind: 'fail', retryable: false, errorMessage: redact.text(message) };
    }
    this.emit(redact, 'debug', `${job.type} completed`, { ...fields, durationMs: this.clock.now() - started });
    return { kind: 'complete', variables: redact.value(output as Variables) };
  }

  private async call(bound: BoundOperation, job: InProcessJob, input: unknown, timeoutMs: number, redactor: Redactor): Promise<unknown> {
    const controller = new AbortController();
    const onJobAbort = () => controller.abort(job.signal.reason);
    if (job.signal.aborted) onJobAbort();
    else job.signal.addEventListener('abort', onJobAbort, { once: true });
    let cancelTimer = () => {};
    const expired = new Promise<never>((_, reject) => {
      cancelTimer = this.clock.schedule(this.clock.now() + timeoutMs, () => {
        const error = new OperationTimeoutError(timeoutMs);
        controller.abort(error);
        reject(error);
      });
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    expired.catch(() => {});
    const context: OperationContext = {
      config: bound.connection.config,
      connection: bound.connection.name,
      operation: bound.operation.name,
      idempotencyKey: job.idempotencyKey,
      attempt: job.attempt,
      process: { instanceId: job.processInstanceId, processKey: job.processKey, elementId: job.elementId },
      logger: this.adapterLogger(redactor, { connection: bound.connection.name, operation: bound.operation.name, elementId: job.elementId }),
      signal: controller.signal,
      now: () => this.clock.now(),
    };
    try {
      // The race makes a handler that ignores its signal still give up its slot on time.
      return await Promise.race([bound.operation.handler(input, context), expired]);
    } finally {
      cancelTimer();
      job.signal.removeEventListener('abort', onJobAbort);
    }
  }

  private outcomeFor(error: unknown, bound: BoundOperation, job: InProcessJob, where: string, runtime: ConnectionRuntime): FailureOutcome {
    const limits = bound.connection.limits;
    if (error instanceof CircuitOpenError) {
      // Nothing reached the remote system, so no attempt was spent: wait for the probe instead of
      // burning the job's retries in milliseconds and landing it as an incident.
      return {
        kind: 'fail',
        retryable: true,
        consumeRetry: false,
        backoffMs: error.retryAfterMs,
        errorMessage: `${where}: circuit open after repeated failures of connection "${bound.connection.name}"; next try in ${error.retryAfterMs} ms (of ${limits.breakerHalfOpenAfterMs} ms)`,
      };
    }
    if (error instanceof BulkheadRejectedError) {
      // Our own capacity, not the remote system's fault: wait without spending a retry.
      return { kind: 'fail', retryable: true, consumeRetry: false, backoffMs: backoffMs(1, this.retry, this.random), errorMessage: `${where}: too many calls in flight on connection "${bound.connection.name}"` };
    }
    return outcomeForError(toAdapterError(error, bound.operation, runtime.redactor), {
      where,
      attempt: job.attempt,
      declaredErrors: bound.operation.errors,
      retry: this.retry,
      random: this.random,
    });
  }

  private adapterLogger(redactor: Redactor, base: LogFields): AdapterLogger {
    const at = (level: LogLevel) => (message: string, fields?: LogFields) => this.emit(redactor, level, message, { ...base, ...fields });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }

  private emit(redactor: Redactor, level: LogLevel, message: string, fields: LogFields): void {
    try {
      this.log(level, redactor.text(message), redactor.value({ ...fields }, { maskKeys: true }));
    } catch {
      // A broken log sink must not change a job's outcome.
    }
  }
}

/** `erp` in `erp.requestShipment`. */
function connectionOf(type: string): string {
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}

/** Failures that say the remote system is unwell, as opposed to a problem with this request. */
function isSystemFailure(error: unknown): boolean {
  // A full queue is our own capacity, not the remote system being unwell.
  if (error instanceof BulkheadRejectedError) return false;
  if (isAdapterError(error)) return error.kind === 'transient' || error.kind === 'unknown_outcome';
  if (error instanceof KarvonError) return error.status >= 500;
  return true;
}

/** Classifies anything a handler threw into the fixed set of kinds. */
export function toAdapterError(error: unknown, operation: Pick<OperationDescriptor, 'safeToRetry'>, redactor?: Redactor): AdapterError {
  if (isAdapterError(error)) return error;
  const text = (s: string) => (redactor ? redactor.text(s) : s);
  if (error instanceof KarvonError) {
    const problems = error.details.map((d) => ({ path: d.path ?? d.elementId ?? '(root)', message: text(d.message) }));
    const kind = error.status === 400 ? 'validation' : error.status === 404 ? 'not_found' : error.status === 409 ? 'conflict' : error.status === 401 || error.status === 403 ? 'auth' : error.status === 422 ? 'validation' : 'transient';
    return new AdapterError(kind, text(error.message), { problems });
  }
  // A timeout or an unexpected exception: on a call that may have had an effect we cannot tell.
  const message = error instanceof Error ? error.message : String(error);
  return new AdapterError(operation.safeToRetry ? 'transient' : 'unknown_outcome', text(message), { cause: error });
}

export type { JsonObject };
