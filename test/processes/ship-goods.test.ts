// The canonical ship-goods scenario over real HTTP on the embedded store, with the demo data and
// the diagrams in processes/ deployed as `npm start` does: shipped, short of stock, and an
// incomplete address fixed in the CRM and retried.

import { expect } from 'chai';
import { seedDemoData, type DemoSeedReport } from '../../adapters/index.ts';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { TestServer } from '../server/helpers.ts';
import { ProcessDriver, type TaskSummary } from './support.ts';

interface Shipment {
  id: string;
  number: string | null;
  status: string;
  customerRef: string;
  lines: { sku: string; requested: number; reserved: number }[];
}

describe('process: ship-goods (canonical scenario over HTTP)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let proc: ProcessDriver;
  let demo: DemoSeedReport;

  before(async () => {
    server = await TestServer.start({ demo: true });
    proc = new ProcessDriver(server, { processKey: 'ship-goods', startAs: 'aziz' });
    // Seeding is idempotent by fixed ids: a second run adds nothing and tells which ids are which.
    demo = await seedDemoData(server.running.store);
    expect(demo.inserted).to.equal(0);
    for (const u of ['aziz', 'timur', 'anna']) await server.login(u, DEMO_PASSWORD);
  });
  after(() => server.close());

  async function shipmentsOf(customerId: string): Promise<Shipment[]> {
    const res = await server.as<Shipment[]>('aziz', 'GET', '/api/erp/shipments');
    expect(res.status, res.text).to.equal(200);
    return res.body.filter((s) => s.customerRef === customerId);
  }

  async function deal(id: string): Promise<{ stage: string }> {
    const res = await server.as<{ stage: string }>('aziz', 'GET', `/api/crm/deals/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  it('is deployed from processes/ with its forms', async () => {
    const res = await server.as<{ key: string; version: number }>('anna', 'GET', '/api/processes/ship-goods');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.version).to.equal(1);
  });

  it('a good customer: shipment reserved, deal won, "Shipment confirmed" for sales', async () => {
    const { customerId, dealId, items } = demo.ships;
    const id = await proc.start({ customerId, dealId, items, deliveryDate: '2099-01-15' });
    const task = await proc.waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    expect(task.name).to.equal('Shipment confirmed');
    expect(task.candidateGroups).to.deep.equal(['sales']);
    expect(task.form?.id).to.equal('ship-goods-confirmed');
    const shipment = task.variables.shipment as Shipment & { expectedDate: string };
    expect(shipment.id).to.be.a('string');
    expect(shipment.status).to.equal('reserved');
    expect(shipment.number).to.be.a('string');
    expect(shipment.expectedDate).to.equal('2099-01-15');
    expect(shipment.lines.map((l) => [l.sku, l.requested, l.reserved])).to.deep.equal(items.map((i) => [i.sku, i.quantity, i.quantity]));

    // The ERP holds exactly this one shipment for the customer, and the CRM deal moved on.
    const shipments = await shipmentsOf(customerId);
    expect(shipments.map((s) => s.id)).to.deep.equal([shipment.id]);
    const byId = await server.as<Shipment>('timur', 'GET', `/api/erp/shipments/${shipment.id}`);
    expect(byId.body.status).to.equal('reserved');
    expect((await deal(dealId)).stage).to.equal('won');

    await proc.complete('aziz', task.id);
    await proc.waitForState(id, 'completed');
  });

  it('short of stock: the warehouse sees the short items, replenishes and retries', async () => {
    const { customerId, dealId, items } = demo.shortOfStock;
    expect((await deal(dealId)).stage).to.not.equal('won');
    const id = await proc.start({ customerId, dealId, items });
    const task = await proc.waitForTask('timur', id, 'Task_ResolveStock');
    expect(task.name).to.equal('Resolve stock shortage');
    expect(task.candidateGroups).to.deep.equal(['warehouse']);
    expect(task.form?.id).to.equal('ship-goods-stock');
    const error = task.variables.error as { code: string; details: { shortItems: { sku: string; requested: number; available: number; short: number }[] } };
    expect(error.code).to.equal('INSUFFICIENT_STOCK');
    expect(error.details.shortItems).to.deep.equal([{ sku: 'RISHTON-LAGAN', requested: 20, available: 8, short: 12 }]);
    // The task is the warehouse's, not sales'.
    const salesView = await server.as<TaskSummary[]>('aziz', 'GET', `/api/tasks?state=open&processInstanceId=${id}`);
    expect(salesView.body).to.deep.equal([]);
    expect(await shipmentsOf(customerId)).to.deep.equal([]);

    const adjusted = await server.as('timur', 'POST', '/api/erp/stock/adjust', {
      body: { sku: 'RISHTON-LAGAN', warehouseId: 'wh_main', delta: 12, reason: 'delivery from Rishton' },
    });
    expect(adjusted.status, adjusted.text).to.equal(200);
    await proc.complete('timur', task.id, { decision: 'retry' });

    const confirmed = await proc.waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = confirmed.variables.shipment as Shipment;
    expect(shipment.status).to.equal('reserved');
    expect((await shipmentsOf(customerId)).map((s) => s.id)).to.deep.equal([shipment.id]);
    expect((await deal(dealId)).stage).to.equal('won');
    const productId = shipment.lines.find((l) => l.sku === 'RISHTON-LAGAN') as unknown as { productId: string };
    const stock = await server.as<{ onHand: number; reserved: number; available: number }[]>('timur', 'GET', `/api/erp/stock?productId=${productId.productId}&warehouseId=wh_main`);
    expect(stock.body.map((s) => [s.onHand, s.reserved, s.available])).to.deep.equal([[20, 20, 0]]);
  });

  it('short of stock: cancel ends the instance without a shipment', async () => {
    const id = await proc.start({ customerId: demo.shortOfStock.customerId, items: [{ sku: 'RISHTON-LAGAN', quantity: 5 }] });
    const task = await proc.waitForTask('timur', id, 'Task_ResolveStock');
    await proc.complete('timur', task.id, { decision: 'cancel' });
    await proc.waitForState(id, 'completed');
    expect(await shipmentsOf(demo.shortOfStock.customerId)).to.have.length(1); // only the one from the retry above
  });

  it('incomplete address: sales completes it in the CRM, the process re-reads the card and ships', async () => {
    const { customerId, dealId, items } = demo.incompleteAddress;
    const id = await proc.start({ customerId, dealId, items });
    const task = await proc.waitForTask('aziz', id, 'Task_CompleteAddress');
    expect(task.name).to.equal('Complete customer address');
    expect(task.candidateGroups).to.deep.equal(['sales']);
    const error = task.variables.error as { code: string; details: { customerId: string; field: string } };
    expect(error.code).to.equal('ADDRESS_INCOMPLETE');
    expect(error.details.customerId).to.equal(customerId);
    expect(await shipmentsOf(customerId)).to.deep.equal([]);

    const patched = await server.as<{ address: string }>('aziz', 'PATCH', `/api/crm/customers/${customerId}`, {
      body: { address: "Farg'ona viloyati, Marg'ilon sh., Mustaqillik ko'chasi 25, 151100" },
    });
    expect(patched.status, patched.text).to.equal(200);
    await proc.complete('aziz', task.id, { addressFixed: true });

    const confirmed = await proc.waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = confirmed.variables.shipment as Shipment & { shipTo: { city: string; postcode: string | null } };
    expect(shipment.status).to.equal('reserved');
    expect(shipment.shipTo.postcode).to.equal('151100');
    expect((confirmed.variables.customerCard as { customer: { address: string } }).customer.address).to.contain('Mustaqillik');
    expect((await shipmentsOf(customerId)).map((s) => s.id)).to.deep.equal([shipment.id]);
    expect((await deal(dealId)).stage).to.equal('won');
    await proc.complete('aziz', confirmed.id);
    await proc.waitForState(id, 'completed');
  });

  it('anyone signed in reads CRM and ERP data; a developer may not change it', async () => {
    await server.login('dev', DEMO_PASSWORD);
    expect((await server.as('dev', 'GET', `/api/crm/customers/${demo.ships.customerId}/card`)).status).to.equal(200);
    expect((await server.as('dev', 'GET', '/api/erp/products')).status).to.equal(200);
    const denied = await server.as('dev', 'PATCH', `/api/crm/customers/${demo.ships.customerId}`, { body: { segment: 'x' } });
    expect(denied.status).to.equal(403);
  });

  it('without a deal the CRM is left alone', async () => {
    const id = await proc.start({ customerId: demo.ships.customerId, items: [{ sku: 'PAXTA-IP-30', quantity: 1 }] });
    const task = await proc.waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    expect((task.variables.shipment as Shipment).status).to.equal('reserved');
    expect(task.variables.dealUpdate).to.equal(undefined);
  });
});
