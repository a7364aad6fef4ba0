// stock-replenishment over real HTTP on the embedded store, with the demo data and the diagrams in
// processes/ deployed as `npm start` does: below the threshold the warehouse asks to buy, the
// administrator approves (analysts such as Anna may not complete tasks, and the demo has no
// managers group), the warehouse books the goods in and the process reads the new level; a
// rejected request and a sufficient stock level end without touching the stock.

import { expect } from 'chai';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { TestServer } from '../server/helpers.ts';

interface TaskSummary {
  id: string;
  name: string;
  elementId: string;
  candidateGroups: string[];
  candidateUsers: string[];
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
interface StockLine {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  short: number;
}

describe('process: stock-replenishment (over HTTP)', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ demo: true });
    for (const u of ['aziz', 'timur', 'anna']) await server.login(u, DEMO_PASSWORD);
    await server.login('admin');
  });
  after(() => server.close());

  async function start(variables: Record<string, unknown>): Promise<string> {
    const res = await server.as<{ id: string }>('timur', 'POST', '/api/process-instances', { body: { processKey: 'stock-replenishment', variables } });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async function instance(id: string): Promise<Instance> {
    const res = await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

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
        throw new Error(`no task ${elementId} for ${user}: state ${inst.state}, active ${inst.activeElements.join(',')}, incidents ${JSON.stringify(inst.incidents)}`);
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
      if (inst.incidents.length > 0 || Date.now() > deadline) throw new Error(`instance ${id} is ${inst.state} at ${inst.activeElements.join(',')}, incidents ${JSON.stringify(inst.incidents)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function endedAt(id: string): Promise<string[]> {
    const res = await server.as<{ elementId: string; elementType: string; event: string }[]>('anna', 'GET', `/api/process-instances/${id}/history`);
    expect(res.status, res.text).to.equal(200);
    return res.body.filter((h) => /endEvent$/i.test(h.elementType) && h.event === 'completed').map((h) => h.elementId);
  }

  async function stock(sku: string, warehouseId = 'wh_main'): Promise<{ onHand: number; reserved: number; available: number }> {
    const res = await server.as<{ onHand: number; reserved: number; available: number }[]>('timur', 'GET', `/api/erp/stock?productId=prd_${sku}&warehouseId=${warehouseId}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.have.length(1);
    return res.body[0];
  }

  async function openTasks(user: string, instanceId: string): Promise<TaskSummary[]> {
    const res = await server.as<TaskSummary[]>(user, 'GET', `/api/tasks?state=open&processInstanceId=${instanceId}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  it('is deployed from processes/ with its forms', async () => {
    const res = await server.as<{ key: string; version: number }>('anna', 'GET', '/api/processes/stock-replenishment');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.version).to.equal(1);
  });

  it('below the threshold: purchase request, approval, goods booked in, stock adjusted', async () => {
    expect(await stock('RISHTON-LAGAN')).to.include({ onHand: 8, available: 8 });
    // Started by the ERP product id, as a stock alert would.
    const id = await start({ productId: 'prd_RISHTON-LAGAN', warehouseId: 'wh_main', threshold: 15 });

    const purchase = await waitForTask('timur', id, 'Task_PurchaseRequest');
    expect(purchase.name).to.equal('Purchase request');
    expect(purchase.candidateGroups).to.deep.equal(['warehouse']);
    expect(purchase.form?.id).to.equal('stock-replenishment-purchase');
    expect(purchase.variables.warehouseId).to.equal('wh_main');
    expect(purchase.variables.stockLevel).to.deep.equal({ sku: 'RISHTON-LAGAN', requested: 15, onHand: 8, reserved: 0, available: 8, short: 7 } satisfies StockLine & { requested: number });
    expect(await openTasks('aziz', id)).to.deep.equal([]);
    await complete('timur', purchase.id, { quantity: 12, supplier: 'Rishton Sopol Ustaxonasi', purchaseNote: 'Before the tourist season' });

    const approve = await waitForTask('admin', id, 'Task_ApprovePurchase');
    expect(approve.name).to.equal('Approve purchase');
    expect(approve.candidateUsers).to.deep.equal(['admin']);
    expect(approve.form?.id).to.equal('stock-replenishment-approve');
    expect(approve.variables).to.include({ quantity: 12, supplier: 'Rishton Sopol Ustaxonasi', threshold: 15 });
    // Offered to the administrator by name: neither the warehouse nor sales sees it.
    expect(await openTasks('timur', id)).to.deep.equal([]);
    expect(await openTasks('aziz', id)).to.deep.equal([]);
    await complete('admin', approve.id, { approval: 'approve', approvalComment: 'ok' });

    const receive = await waitForTask('timur', id, 'Task_ReceiveGoods');
    expect(receive.name).to.equal('Receive goods');
    expect(receive.form?.id).to.equal('stock-replenishment-receive');
    // The ERP has no adapter operation that changes stock: the warehouse books the delivery over REST.
    const adjusted = await server.as('timur', 'POST', '/api/erp/stock/adjust', {
      body: { sku: 'RISHTON-LAGAN', warehouseId: 'wh_main', delta: 12, reason: `purchase, process ${id}` },
    });
    expect(adjusted.status, adjusted.text).to.equal(200);
    await complete('timur', receive.id, { receivedQuantity: 12 });

    const done = await waitForState(id, 'completed');
    expect(await endedAt(id)).to.deep.equal(['EndEvent_Replenished']);
    expect(done.variables.stockAfter).to.include({ sku: 'RISHTON-LAGAN', onHand: 20, available: 20, short: 0 });
    expect(await stock('RISHTON-LAGAN')).to.include({ onHand: 20, reserved: 0, available: 20 });
  });

  it('a rejected purchase ends without touching the stock (default warehouse when none is named)', async () => {
    const before = await stock('ATLAS-MARGILON');
    expect(before.available).to.equal(60);
    const id = await start({ sku: 'ATLAS-MARGILON', threshold: 100 });
    const purchase = await waitForTask('timur', id, 'Task_PurchaseRequest');
    expect(purchase.variables.warehouseId).to.equal('wh_main');
    expect((purchase.variables.stockLevel as StockLine).short).to.equal(40);
    await complete('timur', purchase.id, { quantity: 50, supplier: "Marg'ilon Atlas" });
    const approve = await waitForTask('admin', id, 'Task_ApprovePurchase');
    await complete('admin', approve.id, { approval: 'reject', approvalComment: 'Wait for the autumn prices' });
    await waitForState(id, 'completed');
    expect(await endedAt(id)).to.deep.equal(['EndEvent_Rejected']);
    expect(await openTasks('timur', id)).to.deep.equal([]);
    expect(await stock('ATLAS-MARGILON')).to.deep.equal(before);
  });

  it('above the threshold: ends at "Stock sufficient" with no task', async () => {
    const id = await start({ sku: 'PAXTA-IP-30', warehouseId: 'wh_main', threshold: 100 });
    const done = await waitForState(id, 'completed');
    expect(await endedAt(id)).to.deep.equal(['EndEvent_Sufficient']);
    expect(done.variables.stockLevel).to.include({ sku: 'PAXTA-IP-30', available: 500, short: 0 });
    expect(await openTasks('timur', id)).to.deep.equal([]);
    // Exactly at the threshold is not below it.
    const exact = await start({ sku: 'PAXTA-YOGI-5L', threshold: 40 });
    await waitForState(exact, 'completed');
    expect(await endedAt(exact)).to.deep.equal(['EndEvent_Sufficient']);
  });
});
