// The running server with plug-in adapters (KARVON_ADAPTERS_DIR) and the mapping drift check on
// deploy: a diagram that writes an ERP partner through the mapping is rejected while the ERP lacks
// a mapped field, and nothing else is.

import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { OdooFake } from '../adapters/external/fakes/odoo.ts';
import { odooSpec, seedOdoo } from '../adapters/external/fixtures.ts';
import { readConfig } from '../../server/config.ts';
import { CAST, TestServer, diagram } from './helpers.ts';

interface Rejection {
  error: { code: string; details: { path?: string; elementId?: string; message: string }[] };
}

async function shipGoodsResources(): Promise<{ name: string; content: string }[]> {
  const names = (await readdir('processes')).filter((n) => n.startsWith('ship-goods'));
  return Promise.all(names.map(async (name) => ({ name, content: await readFile(path.join('processes', name), 'utf8') })));
}

describe('server: plug-in adapters from KARVON_ADAPTERS_DIR', () => {
  it('reads KARVON_ADAPTERS_DIR and KARVON_ADAPTER_PACKAGES', () => {
    expect(readConfig({})).to.include({ adaptersDir: null }).and.to.deep.include({ adapterPackages: [] });
    const c = readConfig({ KARVON_ADAPTERS_DIR: 'plugins', KARVON_ADAPTER_PACKAGES: ' karvon-adapter-a, @acme/karvon-b ,' });
    expect(c.adaptersDir).to.equal(path.resolve('plugins'));
    expect(c.adapterPackages).to.deep.equal(['karvon-adapter-a', '@acme/karvon-b']);
  });

  let server: TestServer;

  before(async () => {
    server = await TestServer.start({
      adaptersDir: path.resolve('test/fixtures/adapters'),
      connections: JSON.stringify({ hi: { adapter: 'greeter', title: 'Hi' } }),
    });
    await server.createUsers(CAST);
  });
  after(() => server.close());

  it('lists the plug-in in GET /api/adapters and GET /api/element-templates', async () => {
    const adapters = await server.as<{ name: string; adapter: string; operations: { name: string }[] }[]>('dev', 'GET', '/api/adapters');
    expect(adapters.status).to.equal(200);
    const hi = adapters.body.find((a) => a.name === 'hi');
    expect(hi, adapters.text).to.include({ adapter: 'greeter' });
    expect(hi!.operations.map((o) => o.name)).to.deep.equal(['greet']);
    const templates = await server.as<{ id: string; properties: { value?: string }[] }[]>('anna', 'GET', '/api/element-templates');
    expect(templates.body.some((t) => t.properties.some((p) => p.value === 'hi.greet')), 'a template with task type hi.greet').to.equal(true);
  });
});

describe('server: a plug-in that does not validate stops start-up', () => {
  it('names the adapter, the field and the file', async () => {
    const error = await TestServer.start({ adaptersDir: path.resolve('test/fixtures/broken-adapters') }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    const message = (error as Error).message;
    expect(message).to.contain('"broken-example"');
    expect(message).to.contain('safeToRetry');
    expect(message).to.contain(path.resolve('test/fixtures/broken-adapters/broken/adapter.ts'));
  });
});

describe('server: the mapping drift check on deploy (erp → Odoo)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let odoo: OdooFake;

  before(async () => {
    odoo = await new OdooFake().start();
    seedOdoo(odoo);
    server = await TestServer.start({ connections: JSON.stringify({ erp: odooSpec(odoo) }) });
    await server.createUsers(CAST);
  });
  after(async () => {
    await server.close();
    await odoo.close();
  });

  const deploy = (resources: { name: string; content: string }[]) => server.as<Rejection>('anna', 'POST', '/api/deployments', { body: { resources } });

  it('rejects ship-goods with 422 naming the element, the connection and the missing field', async () => {
    odoo.partnerFields = odoo.partnerFields.filter((f) => f !== 'vat');
    const res = await deploy(await shipGoodsResources());
    expect(res.status, res.text).to.equal(422);
    expect(res.body.error.code).to.equal('DEPLOYMENT_REJECTED');
    const detail = res.body.error.details.find((d) => d.elementId === 'Task_RequestShipment');
    expect(detail, res.text).to.not.equal(undefined);
    expect(detail!.message).to.contain('"erp"').and.to.contain('taxId');
  });

  it('asks the ERP once for deploys in a burst, and leaves unknown connections and other operations alone', async () => {
    const before = odoo.calls.filter((c) => c === 'res.partner.fields_get').length;
    await deploy(await shipGoodsResources());
    expect(odoo.calls.filter((c) => c === 'res.partner.fields_get').length).to.equal(before);
    // External-worker job types and ERP operations that do not use the mapping deploy regardless.
    const other = diagram('drift_free', `
      <bpmn:startEvent id="s"/>
      <bpmn:serviceTask id="Bill"><bpmn:extensionElements><zeebe:taskDefinition type="billing.charge"/></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:serviceTask id="Stock"><bpmn:extensionElements><zeebe:taskDefinition type="erp.checkStock"/></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:serviceTask id="Odd"><bpmn:extensionElements><zeebe:taskDefinition type="erp.noSuchOperation"/></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Bill"/><bpmn:sequenceFlow id="f2" sourceRef="Bill" targetRef="Stock"/>
      <bpmn:sequenceFlow id="f3" sourceRef="Stock" targetRef="Odd"/><bpmn:sequenceFlow id="f4" sourceRef="Odd" targetRef="e"/>`);
    const res = await deploy([{ name: 'drift-free.bpmn', content: other }]);
    expect(res.status, res.text).to.equal(201);
  });

  it('deploys ship-goods with 201 once the field is back (a connection test refreshes the cached fields)', async () => {
    odoo.partnerFields = [...odoo.partnerFields, 'vat'];
    expect(await server.running.adapters.testConnection('erp')).to.include({ ok: true });
    const res = await deploy(await shipGoodsResources());
    expect(res.status, res.text).to.equal(201);
  });
});
