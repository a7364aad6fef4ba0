// Every built-in operation once through the job handler: the handler validates each output against
// the operation's output schema, so this is also where the hand-written types beside the schemas
// (createLead, requestShipment, ...) are checked against them.

import { expect } from 'chai';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobOutcome } from '../../engine/ports.ts';
import type { Variables } from '../../engine/types.ts';
import { createAdapterRuntime, type AdapterRuntime } from '../../adapters/runtime/index.ts';
import { AdapterRegistry, loadAdapterDirectory } from '../../adapters/runtime/registry.ts';
import { seedDemoData } from '../../adapters/seed.ts';
import { job, openTestStore, testClock, type TestStore } from './support.ts';

describe('adapters: built-in operations', () => {
  let db: TestStore;
  let runtime: AdapterRuntime;

  before(async () => {
    db = await openTestStore();
    const clock = testClock();
    await seedDemoData(db.store, { now: () => clock.now() });
    runtime = await createAdapterRuntime({ store: db.store, clock });
  });
  after(() => db.close());

  async function complete(type: string, variables: Variables, key = type): Promise<Variables> {
    const outcome: JobOutcome = await runtime.handler.run(job(type, variables, { idempotencyKey: key }));
    expect(outcome.kind, JSON.stringify(outcome)).to.equal('complete');
    return (outcome as { variables: Variables }).variables;
  }

  it('crm.findCustomers', async () => {
    const out = await complete('crm.findCustomers', { query: 'savdo' });
    expect((out.customers as { id: string }[]).map((c) => c.id)).to.include.members(['cus_ipak_yoli', 'cus_registon_savdo']);
  });

  it('crm.createLead, once per key', async () => {
    const input = { customer: { kind: 'company', name: 'Chorsu Bozor Savdo', taxId: '309111222', address: "Toshkent sh., Shayxontohur tumani, Chorsu ko'chasi 1, 100011" }, deal: { title: 'Spices', lineItems: [{ sku: 'PAXTA-YOGI-5L', quantity: 3, price: 120000 }] } };
    const first = await complete('crm.createLead', input, 'lead-1');
    const again = await complete('crm.createLead', input, 'lead-1');
    expect(first).to.include({ customerCreated: true });
    expect(again.dealId).to.equal(first.dealId);
  });

  it('crm.logActivity', async () => {
    const out = await complete('crm.logActivity', { customerId: 'cus_ipak_yoli', subject: 'Shipment confirmed by phone' });
    expect(out.activity).to.include({ type: 'note', subject: 'Shipment confirmed by phone' });
  });

  it('crm.updateDealStage refuses to leave a won deal as a business error', async () => {
    const outcome = await runtime.handler.run(job('crm.updateDealStage', { dealId: 'deal_ipak_yoli_2025', stage: 'new' }));
    expect(outcome).to.include({ kind: 'bpmnError', errorCode: 'STAGE_TRANSITION_NOT_ALLOWED' });
  });

  it('erp.checkStock', async () => {
    const out = await complete('erp.checkStock', { items: [{ sku: 'RISHTON-LAGAN', quantity: 10 }, { sku: 'PAXTA-IP-30', quantity: 1.5 }] });
    expect(out.available).to.equal(false);
    expect(out.items).to.deep.equal([
      { sku: 'RISHTON-LAGAN', requested: 10, onHand: 8, reserved: 0, available: 8, short: 2 },
      { sku: 'PAXTA-IP-30', requested: 1.5, onHand: 500, reserved: 0, available: 500, short: 0 },
    ]);
  });

  it('erp.upsertPartner, erp.requestShipment with an explicit key, erp.getShipment and erp.createInvoice', async () => {
    const card = await complete('crm.getCustomerCard', { customerId: 'cus_ala_too_import' });
    const partner = await complete('erp.upsertPartner', { customer: card.customer });
    expect(partner.partner).to.deep.include({ externalRef: 'cus_ala_too_import', taxId: '02304199910123' });
    const shipment = await complete('erp.requestShipment', { customer: card.customer, items: [{ sku: 'ATLAS-MARGILON', quantity: 12.5 }], idempotencyKey: 'order-77', deliveryDate: '2026-03-20' });
    expect(shipment).to.include({ status: 'reserved', expectedDate: '2026-03-20' });
    expect((shipment.shipTo as { countryCode: string }).countryCode).to.equal('KG');
    const fetched = await complete('erp.getShipment', { shipmentId: shipment.id as string });
    expect(fetched).to.deep.equal(shipment);
    const invoice = await complete('erp.createInvoice', { shipmentId: shipment.id as string });
    expect(invoice.invoice).to.include({ total: 1_875_000, shipmentId: shipment.id });
  });

  it('loads adapters from a folder of packages that list them in package.json', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'karvon-plugins-'));
    try {
      await mkdir(path.join(dir, 'hello-adapter'));
      await writeFile(path.join(dir, 'hello-adapter', 'package.json'), JSON.stringify({ name: 'hello-adapter', karvon: { adapters: ['./adapter.ts'] } }));
      const sdk = pathToFileURL(path.resolve('adapters/sdk/index.ts')).href;
      await writeFile(path.join(dir, 'hello-adapter', 'adapter.ts'), `
        import { defineAdapter, defineOperation } from ${JSON.stringify(sdk)};
        export default defineAdapter({
          name: 'hello', version: '0.1.0', title: 'Hello',
          configSchema: { type: 'object', properties: {} },
          operations: [defineOperation({ name: 'greet', title: 'Greet', description: 'Says hello', safeToRetry: true,
            inputSchema: { type: 'object', properties: { who: { type: 'string' } } },
            outputSchema: { type: 'object', properties: { text: { type: 'string' } } },
            handler: async (input) => ({ text: 'hello ' + input.who }) })],
        });`);
      await mkdir(path.join(dir, 'broken-adapter'));
      const registry = new AdapterRegistry();
      const loaded = await loadAdapterDirectory(registry, dir);
      expect(loaded.map((a) => a.name)).to.deep.equal(['hello']);
      expect(registry.get('hello')!.operations[0].name).to.equal('greet');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
