// The canonical ship-goods scenario with the `crm` connection pointed at Bitrix24 and `erp` at
// Odoo (their local fakes), through a real server started with KARVON_CONNECTIONS: the same
// processes/ship-goods.bpmn, the same three outcomes, over HTTP.

import { expect } from 'chai';
import { DEMO_PASSWORD } from '../../../server/seed.ts';
import { TestServer } from '../../server/helpers.ts';
import { resetBuckets } from '../../../adapters/bitrix24/client.ts';
import { Bitrix24Fake } from './fakes/bitrix24.ts';
import { OdooFake } from './fakes/odoo.ts';
import { SCENARIO, bitrixSpec, odooSpec, seedBitrix, seedOdoo } from './fixtures.ts';

interface TaskSummary {
  id: string;
  elementId: string;
  candidateGroups: string[];
}
interface TaskDetail extends TaskSummary {
  variables: Record<string, unknown>;
}
interface Instance {
  state: string;
  activeElements: string[];
  incidents: { message: string }[];
}
interface Shipment {
  id: string;
  number: string | null;
  status: string;
  customerRef: string;
  shipTo: { city: string; postcode: string | null };
  lines: { sku: string; requested: number; reserved: number }[];
}

describe('external adapters: ship-goods with crm → Bitrix24 and erp → Odoo (over HTTP)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let bitrix: Bitrix24Fake;
  let odoo: OdooFake;

  before(async () => {
    resetBuckets();
    bitrix = await new Bitrix24Fake().start();
    odoo = await new OdooFake().start();
    seedBitrix(bitrix);
    seedOdoo(odoo);
    server = await TestServer.start({ demo: true, connections: JSON.stringify({ crm: bitrixSpec(bitrix), erp: odooSpec(odoo) }) });
    for (const u of ['aziz', 'timur', 'anna']) await server.login(u, DEMO_PASSWORD);
  });
  after(async () => {
    await server?.close();
    await bitrix?.close();
    await odoo?.close();
  });

  async function start(variables: Record<string, unknown>): Promise<string> {
    const res = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'ship-goods', variables } });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async function instance(id: string): Promise<Instance> {
    return (await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`)).body;
  }

  async function waitForTask(user: string, instanceId: string, elementId: string): Promise<TaskDetail> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const list = await server.as<TaskSummary[]>(user, 'GET', `/api/tasks?state=open&processInstanceId=${instanceId}`);
      const found = list.body.find((t) => t.elementId === elementId);
      if (found) return (await server.as<TaskDetail>(user, 'GET', `/api/tasks/${found.id}`)).body;
      const inst = await instance(instanceId);
      if (inst.incidents.length > 0 || inst.state !== 'active' || Date.now() > deadline) {
        throw new Error(`no task ${elementId}: state ${inst.state}, active ${inst.activeElements.join(',')}, incidents ${JSON.stringify(inst.incidents)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function complete(user: string, taskId: string, variables: Record<string, unknown> = {}): Promise<void> {
    const res = await server.as(user, 'POST', `/api/tasks/${taskId}/complete`, { body: { variables } });
    expect(res.status, res.text).to.equal(200);
  }

  async function waitForState(id: string, state: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const inst = await instance(id);
      if (inst.state === state) return;
      if (inst.incidents.length > 0 || Date.now() > deadline) throw new Error(`instance ${id} is ${inst.state}, incidents ${JSON.stringify(inst.incidents)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const pickingsFor = (customerRef: string) => {
    const partner = odoo.records('res.partner').find((p) => p.ref === customerRef);
    return partner ? odoo.records('stock.picking', [['partner_id', '=', partner.id], ['state', '!=', 'cancel']]) : [];
  };

  it('lists the external adapters behind the crm and erp connections', async () => {
    const res = await server.as<{ name: string; adapter: string }[]>('anna', 'GET', '/api/adapters');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.map((a) => [a.name, a.adapter])).to.deep.equal([['crm', 'bitrix24'], ['erp', 'odoo']]);
    expect(res.text).to.not.contain(bitrix.webhookToken).and.not.contain(odoo.apiKey);
  });

  it('shipped: an Odoo picking reserved, the Bitrix24 deal won, "Shipment confirmed" for sales', async () => {
    const { customerId, dealId, items } = SCENARIO.ships;
    const id = await start({ customerId, dealId, items, deliveryDate: '2099-01-15' });
    const task = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    expect(task.candidateGroups).to.deep.equal(['sales']);
    const shipment = task.variables.shipment as Shipment;
    expect(shipment.status).to.equal('reserved');
    expect(shipment.number).to.match(/^WH\/OUT\//);
    expect(shipment.lines.map((l) => [l.sku, l.requested, l.reserved])).to.deep.equal(items.map((i) => [i.sku, i.quantity, i.quantity]));
    expect(pickingsFor(customerId).map((p) => String(p.id))).to.deep.equal([shipment.id]);
    expect(bitrix.deals.get(dealId)!.STAGE_ID).to.equal('WON');
    await complete('aziz', task.id);
    await waitForState(id, 'completed');
  });

  it('a connection reset after Odoo created the picking: the engine retries and finds it — exactly one picking', async () => {
    const { customerId } = SCENARIO.ships;
    const before = pickingsFor(customerId).length;
    odoo.resetAfterCreate = 'stock.picking';
    const id = await start({ customerId, items: [{ sku: 'PAXTA-IP-30', quantity: 3 }] });
    const task = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = task.variables.shipment as Shipment;
    expect(shipment.status).to.equal('reserved');
    expect(odoo.resetAfterCreate).to.equal(null); // the reset did happen
    const created = pickingsFor(customerId);
    expect(created).to.have.length(before + 1);
    expect(String(created.at(-1)!.id)).to.equal(shipment.id);
  });

  it('short of stock: the warehouse sees the short items, stock arrives in Odoo, the retry ships', async () => {
    const { customerId, dealId, items } = SCENARIO.shortOfStock;
    const id = await start({ customerId, dealId, items });
    const task = await waitForTask('timur', id, 'Task_ResolveStock');
    expect(task.candidateGroups).to.deep.equal(['warehouse']);
    const error = task.variables.error as { code: string; details: { shortItems: unknown[] } };
    expect(error.code).to.equal('INSUFFICIENT_STOCK');
    expect(error.details.shortItems).to.deep.equal([{ sku: 'RISHTON-LAGAN', requested: 20, available: 8, short: 12 }]);
    expect(pickingsFor(customerId)).to.deep.equal([]);

    odoo.addStock('RISHTON-LAGAN', 12);
    await complete('timur', task.id, { decision: 'retry' });
    const confirmed = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = confirmed.variables.shipment as Shipment;
    expect(shipment.status).to.equal('reserved');
    expect(pickingsFor(customerId).map((p) => String(p.id))).to.deep.equal([shipment.id]);
    expect(bitrix.deals.get(dealId)!.STAGE_ID).to.equal('WON');
  });

  it('short of stock: cancel ends the instance without a picking', async () => {
    const id = await start({ customerId: SCENARIO.shortOfStock.customerId, items: [{ sku: 'RISHTON-LAGAN', quantity: 5 }] });
    const task = await waitForTask('timur', id, 'Task_ResolveStock');
    await complete('timur', task.id, { decision: 'cancel' });
    await waitForState(id, 'completed');
    expect(pickingsFor(SCENARIO.shortOfStock.customerId)).to.have.length(1); // only the retried one above
  });

  it('incomplete address: sales fixes it in Bitrix24, the process re-reads the card and ships', async () => {
    const { customerId, dealId, items } = SCENARIO.incompleteAddress;
    const id = await start({ customerId, dealId, items });
    const task = await waitForTask('aziz', id, 'Task_CompleteAddress');
    const error = task.variables.error as { code: string; details: { customerId: string; field: string } };
    expect(error.code).to.equal('ADDRESS_INCOMPLETE');
    expect(error.details).to.include({ customerId, field: 'address' });
    expect(pickingsFor(customerId)).to.deep.equal([]);

    Object.assign(bitrix.companies.get('3')!, { ADDRESS: "Mustaqillik ko'chasi 25", ADDRESS_CITY: "Marg'ilon sh.", ADDRESS_REGION: "Farg'ona viloyati", ADDRESS_POSTAL_CODE: '151100' });
    await complete('aziz', task.id, { addressFixed: true });
    const confirmed = await waitForTask('aziz', id, 'Task_ShipmentConfirmed');
    const shipment = confirmed.variables.shipment as Shipment;
    expect(shipment.status).to.equal('reserved');
    expect(shipment.shipTo).to.include({ city: "Marg'ilon", postcode: '151100' });
    expect(pickingsFor(customerId).map((p) => String(p.id))).to.deep.equal([shipment.id]);
    expect(bitrix.deals.get(dealId)!.STAGE_ID).to.equal('WON');
    await complete('aziz', confirmed.id);
    await waitForState(id, 'completed');
  });
});
