// The canonical ship-goods scenario over real HTTP on the embedded store, with the demo data and
// the diagrams in processes/ deployed as `npm start` does: shipped, short of stock, and an
// incomplete address fixed in the CRM and retried.

import { expect } from 'chai';
import { seedDemoData, type DemoSeedReport } from '../../adapters/index.ts';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { TestServer } from '../server/helpers.ts';

interface TaskSummary {
  id: string;
  name: string;
  elementId: string;
  candidateGroups: string[];
}
interface TaskDetail extends TaskSummary {
  variables: Record<string, unknown>;
  form: { id: string } | null;
}
interface Instance {
  id: string;
  state: string;
  variables: Record<string, unknown>;
  activeElements: string[];
  incidents: { message: string }[];
}
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
  let demo: DemoSeedReport;

  before(async () => {
    server = await TestServer.start({ demo: true });
    // Seeding is idempotent by fixed ids: a second run adds nothing and tells which ids are which.
    demo = await seedDemoData(server.running.store);
    expect(demo.inserted).to.equal(0);
    for (const u of ['aziz', 'timur', 'anna']) await server.login(u, DEMO_PASSWORD);
  });
  after(() => server.close());

  async function start(variables: Record<string, unknown>): Promise<string> {
    const res = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'ship-goods', variables } });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async function instance(id: string): Promise<Instance> {
    const res = await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  /** Waits until the instance's open user task is `elementId`; fails fast on an incident or an end. */
  async function waitForTask(user: string, instanceId: string, elementId: string): Promise<TaskDetail> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const list = await server.as<TaskSummary[]>(user, 'GET', `/api/tasks?state=open&processInstanceId=${instanceId}`);
      expect(list.status, list.text).to.equal(200);
      const found = list.body.find((t) => t.elementId === elementId);
      if (found) {
        const detail = await server.as<TaskDetail>(user, 'GET', `/api/tasks/${found.id}`);
        expect(detail.status, detail.text).to.equal(200);
        return detail.body;
      }
      const inst = await instance(instanceId);
      if (inst.incidents.length > 0 || inst.state !== 'active' || Date.now() > deadline) {
        throw new Error(`no task ${elementId} for ${user}: state ${inst.state}, active ${inst.activeElements.join(',')}, incidents ${JSON.stringify(inst.incidents)}, tasks ${JSON.stringify(list.body.map((t) => t.elementId))}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function complete(user: string, taskId: string, variables: Record<string, unknown> = {}): Promise<void> {
    const res = await server.as(user, 'POST', `/api/tasks/${taskId}/complete`, { body: { variables } });
    expect(res.status, res.text).to.equal(200);
  }

  async function waitForState(id: string, state: string): Promise<Instance> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const inst = await instance(id);
      if (inst.state === state) return inst;
      if (inst.incidents.length > 0 || Date.now() > deadline) throw new Error(`instance ${id} is ${inst.state}, incidents ${JSON.stringify(inst.incidents)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

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
    const id = await start({ customerId, dealId, items, deliveryDate: '2099-01-15' });
    const task = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
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

    await complete('aziz', task.id);
    await waitForState(id, 'completed');
  });

  it('short of stock: the warehouse sees the short items, replenishes and retries', async () => {
    const { customerId, dealId, items } = demo.shortOfStock;
    expect((await deal(dealId)).stage).to.not.equal('won');
    const id = await start({ customerId, dealId, items });
    const task = await waitForTask('timur', id, 'Task_ResolveStock');
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
    await complete('timur', task.id, { decision: 'retry' });

    const confirmed = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = confirmed.variables.shipment as Shipment;
    expect(shipment.status).to.equal('reserved');
    expect((await shipmentsOf(customerId)).map((s) => s.id)).to.deep.equal([shipment.id]);
    expect((await deal(dealId)).stage).to.equal('won');
    const productId = shipment.lines.find((l) => l.sku === 'RISHTON-LAGAN') as unknown as { productId: string };
    const stock = await server.as<{ onHand: number; reserved: number; available: number }[]>('timur', 'GET', `/api/erp/stock?productId=${productId.productId}&warehouseId=wh_main`);
    expect(stock.body.map((s) => [s.onHand, s.reserved, s.available])).to.deep.equal([[20, 20, 0]]);
  });

  it('short of stock: cancel ends the instance without a shipment', async () => {
    const id = await start({ customerId: demo.shortOfStock.customerId, items: [{ sku: 'RISHTON-LAGAN', quantity: 5 }] });
    const task = await waitForTask('timur', id, 'Task_ResolveStock');
    await complete('timur', task.id, { decision: 'cancel' });
    await waitForState(id, 'completed');
    expect(await shipmentsOf(demo.shortOfStock.customerId)).to.have.length(1); // only the one from the retry above
  });

  it('incomplete address: sales completes it in the CRM, the process re-reads the card and ships', async () => {
    const { customerId, dealId, items } = demo.incompleteAddress;
    const id = await start({ customerId, dealId, items });
    const task = await waitForTask('aziz', id, 'Task_CompleteAddress');
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
    await complete('aziz', task.id, { addressFixed: true });

    const confirmed = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = confirmed.variables.shipment as Shipment & { shipTo: { city: string; postcode: string | null } };
    expect(shipment.status).to.equal('reserved');
    expect(shipment.shipTo.postcode).to.equal('151100');
    expect((confirmed.variables.customerCard as { customer: { address: string } }).customer.address).to.contain('Mustaqillik');
    expect((await shipmentsOf(customerId)).map((s) => s.id)).to.deep.equal([shipment.id]);
    expect((await deal(dealId)).stage).to.equal('won');
    await complete('aziz', confirmed.id);
    await waitForState(id, 'completed');
  });

  it('anyone signed in reads CRM and ERP data; a developer may not change it', async () => {
    await server.login('dev', DEMO_PASSWORD);
    expect((await server.as('dev', 'GET', `/api/crm/customers/${demo.ships.customerId}/card`)).status).to.equal(200);
    expect((await server.as('dev', 'GET', '/api/erp/products')).status).to.equal(200);
    const denied = await server.as('dev', 'PATCH', `/api/crm/customers/${demo.ships.customerId}`, { body: { segment: 'x' } });
    expect(denied.status).to.equal(403);
  });

  it('without a deal the CRM is left alone', async () => {
    const id = await start({ customerId: demo.ships.customerId, items: [{ sku: 'PAXTA-IP-30', quantity: 1 }] });
    const task = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    expect((task.variables.shipment as Shipment).status).to.equal('reserved');
    expect(task.variables.dealUpdate).to.equal(undefined);
  });
});
