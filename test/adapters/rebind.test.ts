// The adapter runtime rebinds a stored connection while it runs: a generic HTTP connection whose
// operations change is one descriptor replaced by another, a configuration that does not validate
// leaves the old binding running, and a removed connection's jobs become incidents that name it.

import { expect } from 'chai';
import { createAdapterRuntime, type AdapterRuntime } from '../../adapters/runtime/index.ts';
import { ConnectionConfigError } from '../../adapters/runtime/connections.ts';
import { startFake, type StartedFake } from './external/fakes/http-fake.ts';
import { job, openTestStore, testClock, type TestStore } from './support.ts';

const httpSpec = (baseUrl: string, operation: string) => ({
  adapter: 'http',
  config: { baseUrl, operations: { [operation]: { method: 'GET', url: `/${operation}`, safeToRetry: true } } },
});

describe('adapters/runtime: stored connections rebound at run time', () => {
  let db: TestStore;
  let runtime: AdapterRuntime;
  let first: StartedFake;
  let second: StartedFake;

  before(async () => {
    first = await startFake((req) => ({ status: 200, body: { from: 'first', path: req.path } }));
    second = await startFake((req) => ({ status: 200, body: { from: 'second', path: req.path } }));
  });
  beforeEach(async () => {
    db = await openTestStore();
    runtime = await createAdapterRuntime({ store: db.store, clock: testClock(), random: () => 0.5 });
  });
  afterEach(() => db.close());
  after(async () => {
    await first.close();
    await second.close();
  });

  it('replaces an HTTP connection\'s operations and URL, keeping one descriptor for it', async () => {
    runtime.applyStoredConnection('rates', httpSpec(first.url, 'latest'));
    expect(await runtime.handler.run(job('rates.latest', {}))).to.deep.equal({ kind: 'complete', variables: { from: 'first', path: '/latest' } });

    runtime.applyStoredConnection('rates', httpSpec(second.url, 'current'));
    expect(runtime.handler.handles('rates.latest')).to.equal(false);
    expect(runtime.handler.handles('rates.current')).to.equal(true);
    expect(await runtime.handler.run(job('rates.current', {}))).to.deep.equal({ kind: 'complete', variables: { from: 'second', path: '/current' } });
    expect([...runtime.registry.all().keys()].filter((n) => n.startsWith('http-'))).to.deep.equal(['http-rates']);
    expect(runtime.connections.filter((c) => c.name === 'rates')).to.have.length(1);
    expect(runtime.listAdapters().find((a) => a.name === 'rates')?.operations.map((o) => o.name)).to.deep.equal(['current']);
  });

  it('keeps the old binding when the new configuration does not validate, and never takes over a configured name', async () => {
    runtime.applyStoredConnection('rates', httpSpec(first.url, 'latest'));
    expect(() => runtime.applyStoredConnection('rates', { adapter: 'odoo', config: { url: 'not a url' } })).to.throw(ConnectionConfigError, 'rates');
    expect(await runtime.handler.run(job('rates.latest', {}))).to.include({ kind: 'complete' });
    expect(() => runtime.applyStoredConnection('erp', httpSpec(first.url, 'latest'))).to.throw(ConnectionConfigError, 'configuration');
    expect(runtime.handler.handles('erp.requestShipment')).to.equal(true);
  });

  it('turns a removed connection\'s jobs into incidents naming it, until it is made again', async () => {
    runtime.applyStoredConnection('rates', httpSpec(first.url, 'latest'));
    runtime.removeStoredConnection('rates', 'deleted through the API');
    expect(runtime.connections.map((c) => c.name)).to.not.include('rates');
    expect(runtime.registry.get('http-rates')).to.equal(undefined);
    // Still claimed, so the job does not wait silently for an external worker.
    expect(runtime.handler.handles('rates.latest')).to.equal(true);
    const outcome = await runtime.handler.run(job('rates.latest', {}, { elementId: 'Task_Rate', processKey: 'pricing' }));
    expect(outcome).to.include({ kind: 'fail', retryable: false });
    expect((outcome as { errorMessage: string }).errorMessage).to.equal(
      'rates.latest at element "Task_Rate" of process "pricing": connection "rates" no longer exists (deleted through the API); create it again, then resolve this incident',
    );
    runtime.applyStoredConnection('rates', httpSpec(second.url, 'latest'));
    expect(await runtime.handler.run(job('rates.latest', {}))).to.deep.equal({ kind: 'complete', variables: { from: 'second', path: '/latest' } });
  });

  it('asks its refresh hook before each job, and waits without spending a retry when that fails', async () => {
    runtime.applyStoredConnection('rates', httpSpec(first.url, 'latest'));
    const asked: string[] = [];
    runtime.handler.useRefresh(async (name) => {
      asked.push(name);
      if (asked.length === 1) runtime.applyStoredConnection('rates', httpSpec(second.url, 'latest'));
      else throw new Error('store unreachable');
    });
    expect(await runtime.handler.run(job('rates.latest', {}))).to.deep.equal({ kind: 'complete', variables: { from: 'second', path: '/latest' } });
    const outcome = await runtime.handler.run(job('rates.latest', {}));
    expect(outcome).to.include({ kind: 'fail', retryable: true, consumeRetry: false });
    expect(asked).to.deep.equal(['rates', 'rates']);
  });
});
