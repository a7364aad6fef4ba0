// The generic HTTP adapter against a local JSON API: templates with late secrets, FEEL body and
// result mappings, the status → error-kind mapping, declared business errors, a reset after send,
// and secrets kept out of results, errors and logs.

import { expect } from 'chai';
import type { JobOutcome } from '../../../engine/ports.ts';
import type { Variables } from '../../../engine/types.ts';
import { createAdapterRuntime, type AdapterRuntime } from '../../../adapters/runtime/index.ts';
import { createHttpAdapter } from '../../../adapters/http/adapter.ts';
import { job, openTestStore, type TestStore } from '../support.ts';
import { startFake, type FakeRequest, type Reply, type StartedFake } from './fakes/http-fake.ts';
import type { CapturedLog } from './fixtures.ts';

type Failed = Extract<JobOutcome, { kind: 'fail' }>;
const API_KEY = 'rates-k3y-9f8e7d6c';

describe('external adapters: generic HTTP adapter', () => {
  let api: StartedFake;
  let received: FakeRequest[];
  let next: Reply | null;
  let db: TestStore;
  let runtime: AdapterRuntime;
  let logs: CapturedLog[];

  beforeEach(async () => {
    received = [];
    next = null;
    api = await startFake((req) => {
      received.push(req);
      if (next) {
        const reply = next;
        next = null;
        return reply;
      }
      if (req.headers['x-api-key'] !== API_KEY) return { status: 401, body: { message: `bad key ${String(req.headers['x-api-key'])}` } };
      if (req.path.startsWith('/rates/')) {
        const base = decodeURIComponent(req.path.split('/')[2].split('?')[0]);
        if (base === 'XXX') return { status: 404, body: { message: 'unknown currency' } };
        return { status: 200, body: { base, rates: { UZS: 12_650.5, EUR: 0.92 }, echo: `key was ${API_KEY}` } };
      }
      if (req.path === '/orders' && req.method === 'POST') {
        const order = req.body as { sku: string; qty: number };
        if (order.qty > 100) return { status: 422, body: { code: 'TOO_MANY', message: 'at most 100' } };
        return { status: 201, body: { id: 'ord-1', sku: order.sku, qty: order.qty } };
      }
      return { status: 404, body: { message: 'no route' } };
    });
    db = await openTestStore();
    logs = [];
    runtime = await createAdapterRuntime({
      store: db.store,
      log: (level, message, fields) => logs.push({ level, message, fields }),
      random: () => 0.5,
      env: { RATES_KEY: API_KEY },
      connections: {
        rates: {
          adapter: 'http',
          config: {
            baseUrl: api.url,
            secrets: { apiKey: '{{env.RATES_KEY}}' },
            headers: { 'X-Api-Key': '{{secrets.apiKey}}' },
            operations: {
              getRate: {
                title: 'Get exchange rate',
                method: 'GET',
                url: '/rates/{{input.base}}',
                inputSchema: { type: 'object', required: ['base', 'quote'], properties: { base: { type: 'string' }, quote: { type: 'string' } } },
                outputSchema: { type: 'object', required: ['rate'], properties: { rate: { type: 'number' } } },
                response: '={rate: get value(body.rates, input.quote)}',
              },
              echo: { method: 'GET', url: '/rates/{{input.base}}' },
              placeOrder: {
                method: 'POST',
                url: '/orders',
                body: '={sku: input.sku, qty: input.quantity}',
                response: '={orderId: body.id, status: status}',
                errors: { QUANTITY_TOO_LARGE: { when: '=status = 422 and body.code = "TOO_MANY"', message: 'The supplier takes at most 100 per order' } },
              },
            },
          },
        },
      },
    });
  });
  afterEach(async () => {
    await api.close();
    await db.close();
  });

  const run = (type: string, variables: Variables) => runtime.handler.run(job(type, variables));

  it('fills the URL from the input and the header from a secret, and maps the answer with FEEL', async () => {
    const outcome = await run('rates.getRate', { base: 'USD', quote: 'UZS' });
    expect(outcome).to.deep.equal({ kind: 'complete', variables: { rate: 12_650.5 } });
    expect(received[0]).to.include({ method: 'GET', path: '/rates/USD' });
    expect(received[0].headers['x-api-key']).to.equal(API_KEY);
  });

  it('maps the input to a JSON body with FEEL', async () => {
    const outcome = await run('rates.placeOrder', { sku: 'PAXTA-IP-30', quantity: 5 });
    expect(outcome).to.deep.equal({ kind: 'complete', variables: { orderId: 'ord-1', status: 201 } });
    expect(received[0].body).to.deep.equal({ sku: 'PAXTA-IP-30', qty: 5 });
  });

  it('a declared business error becomes a BPMN error with the code', async () => {
    const outcome = await run('rates.placeOrder', { sku: 'PAXTA-IP-30', quantity: 500 });
    expect(outcome).to.include({ kind: 'bpmnError', errorCode: 'QUANTITY_TOO_LARGE', errorMessage: 'The supplier takes at most 100 per order' });
  });

  it('maps statuses to kinds: 429 waits Retry-After without a retry, 5xx retries, 401 and 404 are incidents', async () => {
    next = { status: 429, headers: { 'retry-after': '3' }, body: { message: 'slow down' } };
    expect(await run('rates.getRate', { base: 'USD', quote: 'UZS' })).to.include({ kind: 'fail', retryable: true, consumeRetry: false, backoffMs: 3_000 });
    next = { status: 503, body: { message: 'maintenance' } };
    expect(await run('rates.getRate', { base: 'USD', quote: 'UZS' })).to.include({ kind: 'fail', retryable: true });
    next = { status: 401, body: { message: 'expired' } };
    expect(await run('rates.getRate', { base: 'USD', quote: 'UZS' })).to.include({ kind: 'fail', retryable: false });
    const missing = (await run('rates.getRate', { base: 'XXX', quote: 'UZS' })) as Failed;
    expect(missing).to.include({ kind: 'fail', retryable: false });
    expect(missing.errorMessage).to.contain('HTTP 404: unknown currency');
  });

  it('a reset after a POST was sent is an unknown outcome; after a GET it is simply retried', async () => {
    next = 'reset';
    const post = (await run('rates.placeOrder', { sku: 'A', quantity: 1 })) as Failed;
    expect(post).to.include({ kind: 'fail', retryable: true });
    expect(post.errorMessage).to.contain('may or may not have taken effect');
    next = 'reset';
    const get = (await run('rates.getRate', { base: 'USD', quote: 'UZS' })) as Failed;
    expect(get).to.include({ kind: 'fail', retryable: true });
    expect(get.errorMessage).to.contain('connection reset').and.not.contain('may or may not');
  });

  it('never returns, throws or logs a secret, even when the remote system echoes it', async () => {
    const echoed = await run('rates.echo', { base: 'USD' });
    expect(echoed.kind).to.equal('complete');
    expect(JSON.stringify(echoed)).to.contain('key was [redacted]');
    next = { status: 400, body: { message: `bad request for key ${API_KEY}` } };
    const failed = await run('rates.getRate', { base: 'USD', quote: 'UZS' });
    expect(failed.kind).to.equal('fail');
    expect(JSON.stringify({ echoed, failed, logs })).to.not.contain(API_KEY);
    expect(logs.length).to.be.greaterThan(0);
  });

  it('lists the configured operations under the connection name', () => {
    const info = runtime.listAdapters().find((a) => a.name === 'rates')!;
    expect(info.adapter).to.equal('http-rates');
    expect(info.operations.map((o) => o.name)).to.deep.equal(['getRate', 'echo', 'placeOrder']);
  });

  it('rejects a config that uses an unconfigured secret, naming it but showing no values', () => {
    expect(() => createHttpAdapter('bad', { operations: { x: { method: 'GET', url: 'https://x.test/{{secrets.token}}' } } })).to.throw(/secrets token are used but not configured/);
    expect(() => createHttpAdapter('bad', { operations: { x: { method: 'FETCH', url: 'https://x.test' } } })).to.throw(/invalid config/);
  });
});
