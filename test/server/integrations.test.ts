// The adapter catalogue and the built-in CRM and ERP over REST.

import { expect } from 'chai';
import { CAST, TestServer } from './helpers.ts';

interface ErrorBody {
  error: { code: string; details: { path?: string }[] };
}

describe('server: adapters, CRM and ERP routes', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
  });
  after(() => server.close());

  it('lists the built-in adapters with their operations and error codes', async () => {
    const res = await server.as<{ name: string; operations: { name: string; errors: string[] }[] }[]>('dev', 'GET', '/api/adapters');
    expect(res.status).to.equal(200);
    const names = res.body.map((a) => a.name);
    expect(names).to.include.members(['crm', 'erp']);
    const erp = res.body.find((a) => a.name === 'erp')!;
    expect(erp.operations.map((o) => o.name)).to.include('requestShipment');
    expect(erp.operations.find((o) => o.name === 'requestShipment')!.errors).to.include('INSUFFICIENT_STOCK');
  });

  it('serves element templates for the designer', async () => {
    const res = await server.as<{ id: string }[]>('anna', 'GET', '/api/element-templates');
    expect(res.status).to.equal(200);
    expect(res.body.length).to.be.greaterThan(3);
  });

  it('CRM: create, read, patch a customer and read its card', async () => {
    const created = await server.as<{ id: string; name: string }>('aziz', 'POST', '/api/crm/customers', {
      body: { id: 'cus_test', kind: 'company', name: 'Test LLC', address: 'Tashkent, Amir Temur 1' },
    });
    expect(created.status, created.text).to.equal(201);
    expect(created.body).to.include({ id: 'cus_test', name: 'Test LLC' });
    const patched = await server.as<{ segment: string }>('aziz', 'PATCH', '/api/crm/customers/cus_test', { body: { segment: 'retail' } });
    expect(patched.status, patched.text).to.equal(200);
    expect(patched.body.segment).to.equal('retail');
    const found = await server.as<{ id: string }[]>('timur', 'GET', '/api/crm/customers?q=test');
    expect(found.body.map((c) => c.id)).to.include('cus_test');
    const card = await server.as<{ customer: { id: string } }>('timur', 'GET', '/api/crm/customers/cus_test/card');
    expect(card.status).to.equal(200);
    expect(card.body.customer.id).to.equal('cus_test');
    expect((await server.as<ErrorBody>('aziz', 'GET', '/api/crm/customers/none')).status).to.equal(404);
  });

  it('CRM: validation names the field path', async () => {
    const res = await server.as<ErrorBody>('aziz', 'POST', '/api/crm/customers', { body: { kind: 'alien', name: 'X' } });
    expect(res.status).to.equal(400);
    expect(res.body.error.details.map((d) => d.path)).to.deep.equal(['/body/kind']);
  });

  it('ERP: create a product, adjust and query stock', async () => {
    const created = await server.as<{ id: string; sku: string }>('admin', 'POST', '/api/erp/products', {
      body: { sku: 'TEST-1', name: 'Test product', unit: 'pcs', price: 1000 },
    });
    expect(created.status, created.text).to.equal(201);
    const productId = created.body.id;
    const list = await server.as<{ sku: string }[]>('aziz', 'GET', '/api/erp/products');
    expect(list.body.map((p) => p.sku)).to.include('TEST-1');
    const warehouse = await server.as<{ id: string }>('admin', 'POST', '/api/erp/warehouses', { body: { code: 'TST', name: 'Test' } });
    expect(warehouse.status, warehouse.text).to.equal(201);
    const warehouseId = warehouse.body.id;
    const adjusted = await server.as<{ onHand: number }>('timur', 'POST', '/api/erp/stock/adjust', {
      body: { sku: 'TEST-1', warehouseId, delta: 5, reason: 'count' },
    });
    expect(adjusted.status, adjusted.text).to.equal(200);
    expect(adjusted.body.onHand).to.equal(5);
    const stock = await server.as<{ productId: string; onHand: number }[]>('aziz', 'GET', `/api/erp/stock?productId=${productId}&warehouseId=${warehouseId}`);
    expect(stock.status, stock.text).to.equal(200);
    expect(stock.body.map((s) => [s.productId, s.onHand])).to.deep.equal([[productId, 5]]);
    const bad = await server.as<ErrorBody>('timur', 'POST', '/api/erp/stock/adjust', { body: { warehouseId: 'w' } });
    expect(bad.status).to.equal(400);
    expect((await server.as('aziz', 'GET', '/api/erp/shipments')).status).to.equal(200);
    expect((await server.as('aziz', 'GET', '/api/erp/shipments/none')).status).to.equal(404);
  });
});
