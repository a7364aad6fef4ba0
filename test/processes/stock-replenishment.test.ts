// stock-replenishment over real HTTP on the embedded store, with the demo data and the diagrams in
// processes/ deployed as `npm start` does: below the threshold the warehouse asks to buy, the
// administrator approves (analysts such as Anna may not complete tasks, and the demo has no
// managers group), the warehouse books the goods in and the process reads the new level; a
// rejected request and a sufficient stock level end without touching the stock.

import { expect } from 'chai';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { TestServer } from '../server/helpers.ts';
import { ProcessDriver } from './support.ts';

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
  let proc: ProcessDriver;

  before(async () => {
    server = await TestServer.start({ demo: true });
    proc = new ProcessDriver(server, { processKey: 'stock-replenishment', startAs: 'timur' });
    for (const u of ['aziz', 'timur', 'anna']) await server.login(u, DEMO_PASSWORD);
    await server.login('admin');
  });
  after(() => server.close());

  async function stock(sku: string, warehouseId = 'wh_main'): Promise<{ onHand: number; reserved: number; available: number }> {
    const res = await server.as<{ onHand: number; reserved: number; available: number }[]>('timur', 'GET', `/api/erp/stock?productId=prd_${sku}&warehouseId=${warehouseId}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.have.length(1);
    return res.body[0];
  }

  it('is deployed from processes/ with its forms', async () => {
    const res = await server.as<{ key: string; version: number }>('anna', 'GET', '/api/processes/stock-replenishment');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.version).to.equal(1);
  });

  it('below the threshold: purchase request, approval, goods booked in, stock adjusted', async () => {
    expect(await stock('RISHTON-LAGAN')).to.include({ onHand: 8, available: 8 });
    // Started by the ERP product id, as a stock alert would.
    const id = await proc.start({ productId: 'prd_RISHTON-LAGAN', warehouseId: 'wh_main', threshold: 15 });

    const purchase = await proc.waitForTask('timur', id, 'Task_PurchaseRequest');
    expect(purchase.name).to.equal('Purchase request');
    expect(purchase.candidateGroups).to.deep.equal(['warehouse']);
    expect(purchase.form?.id).to.equal('stock-replenishment-purchase');
    expect(purchase.variables.warehouseId).to.equal('wh_main');
    expect(purchase.variables.stockLevel).to.deep.equal({ sku: 'RISHTON-LAGAN', requested: 15, onHand: 8, reserved: 0, available: 8, short: 7 } satisfies StockLine & { requested: number });
    expect(await proc.openTasks('aziz', id)).to.deep.equal([]);
    await proc.complete('timur', purchase.id, { quantity: 12, supplier: 'Rishton Sopol Ustaxonasi', purchaseNote: 'Before the tourist season' });

    const approve = await proc.waitForTask('admin', id, 'Task_ApprovePurchase');
    expect(approve.name).to.equal('Approve purchase');
    expect(approve.candidateUsers).to.deep.equal(['admin']);
    expect(approve.form?.id).to.equal('stock-replenishment-approve');
    expect(approve.variables).to.include({ quantity: 12, supplier: 'Rishton Sopol Ustaxonasi', threshold: 15 });
    // Offered to the administrator by name: neither the warehouse nor sales sees it.
    expect(await proc.openTasks('timur', id)).to.deep.equal([]);
    expect(await proc.openTasks('aziz', id)).to.deep.equal([]);
    await proc.complete('admin', approve.id, { approval: 'approve', approvalComment: 'ok' });

    const receive = await proc.waitForTask('timur', id, 'Task_ReceiveGoods');
    expect(receive.name).to.equal('Receive goods');
    expect(receive.form?.id).to.equal('stock-replenishment-receive');
    // The ERP has no adapter operation that changes stock: the warehouse books the delivery over REST.
    const adjusted = await server.as('timur', 'POST', '/api/erp/stock/adjust', {
      body: { sku: 'RISHTON-LAGAN', warehouseId: 'wh_main', delta: 12, reason: `purchase, process ${id}` },
    });
    expect(adjusted.status, adjusted.text).to.equal(200);
    await proc.complete('timur', receive.id, { receivedQuantity: 12 });

    const done = await proc.waitForState(id, 'completed');
    expect(await proc.endedAt(id)).to.deep.equal(['EndEvent_Replenished']);
    expect(done.variables.stockAfter).to.include({ sku: 'RISHTON-LAGAN', onHand: 20, available: 20, short: 0 });
    expect(await stock('RISHTON-LAGAN')).to.include({ onHand: 20, reserved: 0, available: 20 });
  });

  it('a rejected purchase ends without touching the stock (default warehouse when none is named)', async () => {
    const before = await stock('ATLAS-MARGILON');
    expect(before.available).to.equal(60);
    const id = await proc.start({ sku: 'ATLAS-MARGILON', threshold: 100 });
    const purchase = await proc.waitForTask('timur', id, 'Task_PurchaseRequest');
    expect(purchase.variables.warehouseId).to.equal('wh_main');
    expect((purchase.variables.stockLevel as StockLine).short).to.equal(40);
    await proc.complete('timur', purchase.id, { quantity: 50, supplier: "Marg'ilon Atlas" });
    const approve = await proc.waitForTask('admin', id, 'Task_ApprovePurchase');
    await proc.complete('admin', approve.id, { approval: 'reject', approvalComment: 'Wait for the autumn prices' });
    await proc.waitForState(id, 'completed');
    expect(await proc.endedAt(id)).to.deep.equal(['EndEvent_Rejected']);
    expect(await proc.openTasks('timur', id)).to.deep.equal([]);
    expect(await stock('ATLAS-MARGILON')).to.deep.equal(before);
  });

  it('above the threshold: ends at "Stock sufficient" with no task', async () => {
    const id = await proc.start({ sku: 'PAXTA-IP-30', warehouseId: 'wh_main', threshold: 100 });
    const done = await proc.waitForState(id, 'completed');
    expect(await proc.endedAt(id)).to.deep.equal(['EndEvent_Sufficient']);
    expect(done.variables.stockLevel).to.include({ sku: 'PAXTA-IP-30', available: 500, short: 0 });
    expect(await proc.openTasks('timur', id)).to.deep.equal([]);
    // Exactly at the threshold is not below it.
    const exact = await proc.start({ sku: 'PAXTA-YOGI-5L', threshold: 40 });
    await proc.waitForState(exact, 'completed');
    expect(await proc.endedAt(exact)).to.deep.equal(['EndEvent_Sufficient']);
  });
});
