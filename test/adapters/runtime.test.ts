import { expect } from 'chai';
import type { JobOutcome } from '../../engine/ports.ts';
import { ValidationError } from '../../engine/errors.ts';
import { defineAdapter, defineOperation, type OperationContext } from '../../adapters/sdk/descriptor.ts';
import { AdapterError, type AdapterErrorKind } from '../../adapters/sdk/errors.ts';
import { AdapterJobHandler, type LogSink } from '../../adapters/runtime/handler.ts';
import { connectionSpecsFromConfig, resolveConnections, ConnectionConfigError } from '../../adapters/runtime/connections.ts';
import { backoffMs, DEFAULT_RETRY } from '../../adapters/runtime/policy.ts';
import { job, testClock } from './support.ts';

type Behaviour = (input: { id: string; n?: number }, ctx: OperationContext) => Promise<unknown>;

function fakeAdapter(behaviour: { current: Behaviour }) {
  return defineAdapter({
    name: 'fake',
    version: '1.0.0',
    title: 'Fake system',
    configSchema: { type: 'object', required: ['apiKey'], properties: { apiKey: { type: 'string', 'x-secret': true } } },
    operations: [
      defineOperation<{ id: string; n?: number }, unknown>({
        name: 'doIt',
        title: 'Do it',
        description: 'Does it',
        safeToRetry: false,
        inputSchema: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 2 }, n: { type: 'integer' } }, additionalProperties: false },
        outputSchema: { type: 'object', required: ['result'], properties: { result: { type: 'string' } } },
        errors: { OUT_OF_THINGS: 'No things left' },
        handler: (input, ctx) => behaviour.current(input, ctx),
      }),
    ],
  });
}

const SECRET = 'key-9f8e7d6c5b4a';

function setup(options: { limits?: Record<string, number>; random?: () => number } = {}) {
  const behaviour: { current: Behaviour } = { current: async (input) => ({ result: `done ${input.id}` }) };
  const adapters = new Map([['fake', fakeAdapter(behaviour)]]);
  const connections = resolveConnections(
    { sys: { adapter: 'fake', config: { apiKey: SECRET }, limits: options.limits } },
    adapters,
  );
  const clock = testClock();
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log: LogSink = (level, message, fields) => logs.push({ level, message, fields });
  const handler = new AdapterJobHandler({ connections, clock, log, random: options.random ?? (() => 0.5) });
  return { behaviour, handler, clock, logs };
}

function failWith(kind: AdapterErrorKind, extra: { code?: string; retryAfterMs?: number } = {}): Behaviour {
  return async () => {
    throw new AdapterError(kind, `went ${kind}`, extra);
  };
}

describe('adapters/runtime job handler', () => {
  it('handles only loaded connection operations', () => {
    const { handler } = setup();
    expect(handler.handles('sys.doIt')).to.equal(true);
    expect(handler.handles('sys.other')).to.equal(false);
    expect(handler.handles('fake.doIt')).to.equal(false);
    expect(handler.types()).to.deep.equal(['sys.doIt']);
  });

  it('passes only declared input, the idempotency key and the config, and completes with the output', async () => {
    // given
    const { handler, behaviour } = setup();
    let seen: { input: unknown; key: string; attempt: number; config: unknown } | undefined;
    behaviour.current = async (input, ctx) => {
      seen = { input, key: ctx.idempotencyKey, attempt: ctx.attempt, config: ctx.config };
      return { result: 'ok' };
    };
    // when
    const outcome = await handler.run(job('sys.doIt', { id: 'ab', unrelatedProcessVar: 1 }, { idempotencyKey: 'K1', attempt: 2 }));
    // then
    expect(outcome).to.deep.equal({ kind: 'complete', variables: { result: 'ok' } });
    expect(seen).to.deep.equal({ input: { id: 'ab' }, key: 'K1', attempt: 2, config: { apiKey: SECRET } });
  });

  it('rejects invalid input naming connection, operation, field path and element, without calling the handler', async () => {
    const { handler, behaviour } = setup();
    let called = false;
    behaviour.current = async () => {
      called = true;
      return { result: 'x' };
    };
    const outcome = await handler.run(job('sys.doIt', { id: 'a', n: 1.5 }, { elementId: 'Task_Ship' }));
    expect(called).to.equal(false);
    expect(outcome.kind).to.equal('fail');
    const fail = outcome as Extract<JobOutcome, { kind: 'fail' }>;
    expect(fail.retryable).to.equal(false);
    expect(fail.errorMessage).to.contain('sys.doIt').and.contain('connection "sys"').and.contain('element "Task_Ship"');
    expect(fail.errorMessage).to.contain('id must NOT have fewer than 2 characters');
    expect(fail.errorMessage).to.contain('n must be integer');
  });

  it('reports a missing required field by its path', async () => {
    const { handler } = setup();
    const outcome = (await handler.run(job('sys.doIt', {}))) as Extract<JobOutcome, { kind: 'fail' }>;
    expect(outcome.errorMessage).to.match(/Invalid input for sys\.doIt .*: id is required/);
  });

  it('rejects output that breaks the output schema as a non-retryable failure', async () => {
    const { handler, behaviour } = setup();
    behaviour.current = async () => ({ result: 42 });
    const outcome = (await handler.run(job('sys.doIt', { id: 'ab' }))) as Extract<JobOutcome, { kind: 'fail' }>;
    expect(outcome).to.include({ kind: 'fail', retryable: false });
    expect(outcome.errorMessage).to.match(/Invalid output from sys\.doIt .*: result must be string/);
  });

  describe('maps every error kind by the engine-owned policy', () => {
    const jitterFree = backoffMs(1, DEFAULT_RETRY, () => 0.5);

    const cases: { kind: AdapterErrorKind; extra?: { code?: string; retryAfterMs?: number }; expected: Partial<JobOutcome> & { kind: string } }[] = [
      { kind: 'business', extra: { code: 'OUT_OF_THINGS' }, expected: { kind: 'bpmnError', errorCode: 'OUT_OF_THINGS' } },
      { kind: 'transient', expected: { kind: 'fail', retryable: true, backoffMs: jitterFree } },
      { kind: 'unknown_outcome', expected: { kind: 'fail', retryable: true, backoffMs: jitterFree } },
      { kind: 'rate_limited', extra: { retryAfterMs: 12_000 }, expected: { kind: 'fail', retryable: true, backoffMs: 12_000, consumeRetry: false } },
      { kind: 'auth', expected: { kind: 'fail', retryable: false } },
      { kind: 'validation', expected: { kind: 'fail', retryable: false } },
      { kind: 'not_found', expected: { kind: 'fail', retryable: false } },
      { kind: 'conflict', expected: { kind: 'fail', retryable: false } },
    ];
    for (const c of cases) {
      it(`${c.kind} → ${c.expected.kind}${'retryable' in c.expected ? ` retryable:${String(c.expected.retryable)}` : ''}`, async () => {
        const { handler, behaviour } = setup();
        behaviour.current = failWith(c.kind, c.extra);
        const outcome = await handler.run(job('sys.doIt', { id: 'ab' }));
        expect(outcome).to.include(c.expected);
        if (outcome.kind === 'fail' && c.kind !== 'rate_limited') expect(outcome).not.to.have.property('consumeRetry');
      });
    }

    it('puts a business error\'s details into the `error` variable', async () => {
      const { handler, behaviour } = setup();
      behaviour.current = async () => {
        throw new AdapterError('business', 'none left', { code: 'OUT_OF_THINGS', details: { left: 0 } });
      };
      const outcome = await handler.run(job('sys.doIt', { id: 'ab' }));
      expect(outcome).to.deep.equal({
        kind: 'bpmnError',
        errorCode: 'OUT_OF_THINGS',
        errorMessage: 'none left',
        variables: { error: { code: 'OUT_OF_THINGS', message: 'none left', details: { left: 0 } } },
      });
    });

    it('treats an undeclared business code as an incident, not a BPMN error', async () => {
      const { handler, behaviour } = setup();
      behaviour.current = failWith('business', { code: 'SURPRISE' });
      const outcome = await handler.run(job('sys.doIt', { id: 'ab' }));
      expect(outcome).to.include({ kind: 'fail', retryable: false });
      expect((outcome as { errorMessage: string }).errorMessage).to.contain('undeclared business error code "SURPRISE"');
    });

    it('maps the engine\'s own errors and unexpected exceptions', async () => {
      const { handler, behaviour } = setup();
      behaviour.current = async () => {
        throw new ValidationError('bad', [{ path: 'x', message: 'is wrong' }]);
      };
      expect(await handler.run(job('sys.doIt', { id: 'ab' }))).to.include({ kind: 'fail', retryable: false });
      behaviour.current = async () => {
        throw new TypeError('socket hang up');
      };
      // Not safe to retry, so an unexpected exception is an unknown outcome: retried with backoff.
      expect(await handler.run(job('sys.doIt', { id: 'ab' }))).to.include({ kind: 'fail', retryable: true });
    });

    it('grows the backoff exponentially with jitter and caps it', () => {
      expect(backoffMs(1, DEFAULT_RETRY, () => 0)).to.equal(500);
      expect(backoffMs(1, DEFAULT_RETRY, () => 1)).to.equal(1000);
      expect(backoffMs(3, DEFAULT_RETRY, () => 0)).to.equal(2000);
      expect(backoffMs(30, DEFAULT_RETRY, () => 1)).to.equal(DEFAULT_RETRY.maxMs);
    });
  });

  it('times out on the injected clock, aborting the handler\'s signal', async () => {
    // given
    const { handler, behaviour, clock } = setup({ limits: { timeoutMs: 5_000 } });
    let aborted = false;
    behaviour.current = (_input, ctx) => new Promise(() => {
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
      });
    });
    // when
    const running = handler.run(job('sys.doIt', { id: 'ab' }));
    await Promise.resolve();
    clock.advance(5_000);
    const outcome = await running;
    // then
    expect(aborted).to.equal(true);
    expect(outcome).to.include({ kind: 'fail', retryable: true });
    expect((outcome as { errorMessage: string }).errorMessage).to.contain('timed out after 5000 ms');
  });

  it('opens the circuit after consecutive technical failures, but not for business errors', async () => {
    const { handler, behaviour } = setup({ limits: { breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000 } });
    behaviour.current = failWith('business', { code: 'OUT_OF_THINGS' });
    for (let i = 0; i < 5; i++) expect((await handler.run(job('sys.doIt', { id: 'ab' }))).kind).to.equal('bpmnError');
    behaviour.current = failWith('transient');
    for (let i = 0; i < 3; i++) await handler.run(job('sys.doIt', { id: 'ab' }));
    let calls = 0;
    behaviour.current = async () => {
      calls++;
      return { result: 'ok' };
    };
    const outcome = await handler.run(job('sys.doIt', { id: 'ab' }));
    expect(calls).to.equal(0);
    expect(outcome).to.include({ kind: 'fail', retryable: true, backoffMs: 60_000, consumeRetry: false });
    expect((outcome as { errorMessage: string }).errorMessage).to.contain('circuit open');
  });

  it('an open circuit waits on the engine clock without using retries, then lets one probe through and closes on its success', async () => {
    const { handler, behaviour, clock } = setup({ limits: { breakerThreshold: 2, breakerHalfOpenAfterMs: 60_000 } });
    behaviour.current = failWith('transient');
    for (let i = 0; i < 2; i++) expect(await handler.run(job('sys.doIt', { id: 'ab' }))).to.not.have.property('consumeRetry');
    let calls = 0;
    let release = () => {};
    behaviour.current = () => {
      calls++;
      return new Promise((resolve) => (release = () => resolve({ result: 'ok' })));
    };
    clock.advance(45_000);
    // The backoff is the rest of the open time, so the job comes back exactly when a probe may go.
    expect(await handler.run(job('sys.doIt', { id: 'ab' }))).to.include({ kind: 'fail', retryable: true, consumeRetry: false, backoffMs: 15_000 });
    expect(calls).to.equal(0);
    clock.advance(15_000);
    const probe = handler.run(job('sys.doIt', { id: 'p1' }));
    const follower = handler.run(job('sys.doIt', { id: 'p2' }));
    await new Promise((r) => setImmediate(r));
    expect(calls, 'one probe while half-open').to.equal(1);
    release();
    expect((await probe).kind).to.equal('complete');
    await new Promise((r) => setImmediate(r));
    release();
    expect((await follower).kind).to.equal('complete');
    expect(calls).to.equal(2);
  });

  it('a failed probe opens the circuit again for a full wait', async () => {
    const { handler, behaviour, clock } = setup({ limits: { breakerThreshold: 1, breakerHalfOpenAfterMs: 10_000 } });
    behaviour.current = failWith('transient');
    await handler.run(job('sys.doIt', { id: 'ab' }));
    clock.advance(10_000);
    expect(await handler.run(job('sys.doIt', { id: 'ab' })), 'the probe reached the handler').to.not.have.property('consumeRetry');
    clock.advance(4_000);
    expect(await handler.run(job('sys.doIt', { id: 'ab' }))).to.include({ consumeRetry: false, backoffMs: 6_000 });
  });

  it('limits concurrent calls per connection and rejects overflow without using a retry', async () => {
    const { handler, behaviour } = setup({ limits: { maxConcurrent: 2, maxQueued: 1 } });
    const release: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    behaviour.current = () => new Promise((resolve) => {
      running++;
      peak = Math.max(peak, running);
      release.push(() => {
        running--;
        resolve({ result: 'ok' });
      });
    });
    const outcomes = [1, 2, 3, 4].map((i) => handler.run(job('sys.doIt', { id: `id${i}` })));
    const rejected = await outcomes[3];
    expect(rejected).to.include({ kind: 'fail', retryable: true, consumeRetry: false });
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    const done = await Promise.all(outcomes.slice(0, 3));
    expect(done.map((o) => o.kind)).to.deep.equal(['complete', 'complete', 'complete']);
    expect(peak).to.equal(2);
  });

  it('keeps secrets out of outcomes, outputs and logs', async () => {
    const { handler, behaviour, logs } = setup();
    behaviour.current = async (_input, ctx) => {
      ctx.logger.info(`calling with ${SECRET}`, { apiKey: SECRET, headers: { authorization: `Bearer ${SECRET}` } });
      throw new AdapterError('auth', `401 for key ${SECRET}`);
    };
    const failed = await handler.run(job('sys.doIt', { id: 'ab' }));
    behaviour.current = async () => ({ result: `echo ${SECRET}` });
    const echoed = await handler.run(job('sys.doIt', { id: 'ab' }));
    const everything = JSON.stringify({ failed, echoed, logs });
    expect(everything).not.to.contain(SECRET);
    expect(everything).to.contain('[redacted]');
  });

  describe('connections from configuration', () => {
    it('defaults to the built-in crm and erp and resolves {{env.NAME}} values', () => {
      const specs = connectionSpecsFromConfig('{"bitrix":{"adapter":"bitrix24","config":{"webhook":"{{env.BX_HOOK}}"}}}', { BX_HOOK: 'https://x/rest/1/abc' });
      expect(Object.keys(specs)).to.deep.equal(['crm', 'erp', 'bitrix']);
      expect(specs.crm.adapter).to.equal('karvon-crm');
      expect(specs.bitrix.config).to.deep.equal({ webhook: 'https://x/rest/1/abc' });
    });

    it('fails loudly on an unknown adapter or an invalid config, without echoing values', () => {
      const adapters = new Map([['fake', fakeAdapter({ current: async () => ({}) })]]);
      expect(() => resolveConnections({ a: { adapter: 'nope' } }, adapters)).to.throw(ConnectionConfigError, /adapter "nope" is not loaded/);
      expect(() => resolveConnections({ a: { adapter: 'fake', config: { apiKey: 7 } } }, adapters))
        .to.throw(ConnectionConfigError, /Connection "a" \(adapter "fake"\): invalid config: apiKey must be string/);
      expect(() => connectionSpecsFromConfig('{"x":{"adapter":"fake","config":{"k":"{{env.MISSING}}"}}}', {})).to.throw(/MISSING is not set/);
    });
  });
});
