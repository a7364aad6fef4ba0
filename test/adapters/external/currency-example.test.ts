// The worked example of docs/adapters.md: the currency-rates adapter loads from its folder like a
// plug-in, and the harness runs its operations against fixtures.

import path from 'node:path';
import { expect } from 'chai';
import { AdapterRegistry, loadAdapterDirectory } from '../../../adapters/runtime/registry.ts';
import currencyRates from '../../../examples/currency-rates/adapter.ts';
import { adapterHarness, serveFixtures, type FixtureServer } from '../../../examples/testing/harness.ts';

const FIXTURES = path.resolve('examples/currency-rates/fixtures');
const KEY = 'fx-api-key-123456';

describe('docs example: the currency-rates adapter', () => {
  let fixtures: FixtureServer;

  beforeEach(async () => {
    fixtures = await serveFixtures(FIXTURES, (url) => `latest-${url.searchParams.get('base')}`);
  });
  afterEach(() => fixtures.close());

  const harness = () => adapterHarness({ adapter: currencyRates, connection: 'fx', config: { baseUrl: fixtures.url, apiKey: KEY } });

  it('loads from examples/ as a plug-in package (package.json → karvon.adapters)', async () => {
    const registry = new AdapterRegistry();
    const loaded = await loadAdapterDirectory(registry, path.resolve('examples'));
    expect(loaded.map((a) => a.name)).to.deep.equal(['currency-rates']);
  });

  it('runs getRate and convert against the fixtures', async () => {
    const h = harness();
    expect(await h.run('getRate', { from: 'USD', to: 'UZS' })).to.deep.equal({ kind: 'complete', variables: { rate: 12_650.5, date: '2026-03-02' } });
    expect(await h.run('convert', { amount: 100, from: 'USD', to: 'EUR' })).to.deep.equal({ kind: 'complete', variables: { amount: 92.13, currency: 'EUR', rate: 0.9213 } });
    expect(fixtures.requests[0]).to.deep.include({ method: 'GET', path: '/v1/latest?base=USD' });
    expect(fixtures.requests[0].headers.authorization).to.equal(`Bearer ${KEY}`);
  });

  it('a declared business error becomes a BPMN error; a 404 from the service an incident', async () => {
    const h = harness();
    expect(await h.run('getRate', { from: 'USD', to: 'JPY' })).to.include({ kind: 'bpmnError', errorCode: 'UNKNOWN_CURRENCY' });
    expect(await h.run('getRate', { from: 'XXX', to: 'UZS' })).to.include({ kind: 'fail', retryable: false });
  });

  it('invalid input never reaches the service', async () => {
    const outcome = await harness().run('getRate', { from: 'usd', to: 'UZS' });
    expect(outcome).to.include({ kind: 'fail', retryable: false });
    expect(fixtures.requests).to.deep.equal([]);
  });
});
