// A Bitrix24 deal-stage robot starts ship-goods: the robot's form-encoded call reaches
// POST /api/integrations/bitrix24/crm/robot on a real server whose `crm` connection points at the
// Bitrix24 fake and `erp` at the Odoo fake; the deal, its company and product rows are read from
// Bitrix24 and the process runs to "Shipment confirmed".

import { expect } from 'chai';
import { DEMO_PASSWORD } from '../../../server/seed.ts';
import { TestServer } from '../../server/helpers.ts';
import { resetBuckets } from '../../../adapters/bitrix24/client.ts';
import { Bitrix24Fake } from './fakes/bitrix24.ts';
import { OdooFake } from './fakes/odoo.ts';
import { SCENARIO, bitrixSpec, odooSpec, seedBitrix, seedOdoo } from './fixtures.ts';

const APP_TOKEN = '51856fefc120afa4b628cc82d3935cce';
const STAGE = 'C1:PREPARATION';

interface Instance {
  id: string;
  state: string;
  businessKey: string | null;
  activeElements: string[];
  variables: Record<string, unknown>;
  incidents: unknown[];
}

/** The fields a Bitrix24 robot posts, form-encoded the way the portal sends them. */
function robotForm(dealId: string, token: string): string {
  const form = new URLSearchParams({
    workflow_id: '6629b3a1c2d2e0.12345678',
    code: 'karvon_ship_goods',
    'document_id[0]': 'crm',
    'document_id[1]': 'CCrmDocumentDeal',
    'document_id[2]': `DEAL_${dealId}`,
    'document_type[0]': 'crm',
    'document_type[1]': 'CCrmDocumentDeal',
    'document_type[2]': 'DEAL',
    event_token: '6629b3a1c2d2e0.12345678|A12345_67890|abc',
    ts: '1736405807',
    'auth[domain]': 'acme.bitrix24.com',
    'auth[member_id]': 'a223c6b3710f85df22e9377d6c4f7553',
    'auth[application_token]': token,
  });
  return form.toString();
}

describe('external adapters: a Bitrix24 deal-stage robot starts ship-goods (over HTTP)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let bitrix: Bitrix24Fake;
  let odoo: OdooFake;
  const { customerId, dealId, items } = SCENARIO.ships;

  before(async () => {
    resetBuckets();
    bitrix = await new Bitrix24Fake().start();
    odoo = await new OdooFake().start();
    seedBitrix(bitrix);
    seedOdoo(odoo);
    bitrix.deals.get(dealId)!.STAGE_ID = STAGE;
    items.forEach((item, i) => bitrix.products.set(String(501 + i), { ID: String(501 + i), NAME: item.sku.toLowerCase(), XML_ID: item.sku }));
    bitrix.productRows.set(dealId, items.map((item, i) => ({ ID: String(9001 + i), OWNER_ID: dealId, OWNER_TYPE: 'D', PRODUCT_ID: 501 + i, PRODUCT_NAME: `row ${i}`, PRICE: 1000, QUANTITY: item.quantity })));
    const crm = bitrixSpec(bitrix);
    crm.config = { ...crm.config, applicationToken: APP_TOKEN, robot: { processKey: 'ship-goods', stage: STAGE } };
    server = await TestServer.start({ demo: true, connections: JSON.stringify({ crm, erp: odooSpec(odoo) }) });
    await server.login('aziz', DEMO_PASSWORD);
    await server.login('anna', DEMO_PASSWORD);
  });
  after(async () => {
    await server?.close();
    await bitrix?.close();
    await odoo?.close();
  });

  async function robot(body: string, connection = 'crm') {
    const res = await fetch(`${server.url}/api/integrations/bitrix24/${connection}/robot`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    return { status: res.status, body: (await res.json()) as { status?: string; processInstanceId?: string; error?: { code: string } } };
  }

  const instancesOfDeal = async () =>
    (await server.as<Instance[]>('anna', 'GET', `/api/process-instances?businessKey=${encodeURIComponent(`bitrix24:deal:${dealId}`)}`)).body;

  it('rejects a call without the right application token with 401, starting nothing', async () => {
    expect((await robot(robotForm(dealId, 'not-the-token'))).status).to.equal(401);
    expect((await robot(robotForm(dealId, ''))).status).to.equal(401);
    const noAuth = new URLSearchParams({ 'document_id[2]': `DEAL_${dealId}` }).toString();
    const res = await robot(noAuth);
    expect(res.status).to.equal(401);
    expect(res.body.error?.code).to.equal('UNAUTHENTICATED');
    expect(await instancesOfDeal()).to.deep.equal([]);
  });

  it('starts ship-goods for the deal, which reaches "Shipment confirmed"; a repeat call while it runs starts nothing', async () => {
    const res = await robot(robotForm(dealId, APP_TOKEN));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.status).to.equal('started');
    const id = res.body.processInstanceId!;
    // The audit trail names the connection as the one who started it.
    const trail = await server.as<{ entries: { actor: string; action: string }[] }>('admin', 'GET', `/api/audit?target=${id}`);
    expect(trail.body.entries.map((e) => `${e.actor} ${e.action}`)).to.deep.equal(["bitrix24:crm instance.started"]);

    const deadline = Date.now() + 15_000;
    let inst: Instance;
    for (;;) {
      inst = (await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`)).body;
      if (inst.activeElements.includes('Task_ShipmentConfirmed')) break;
      if (inst.incidents.length > 0 || inst.state !== 'active' || Date.now() > deadline) throw new Error(`instance: ${JSON.stringify(inst)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(inst.businessKey).to.equal(`bitrix24:deal:${dealId}`);
    expect(inst.variables).to.deep.include({ customerId, dealId });
    expect(inst.variables.items).to.deep.equal(items);
    expect((inst.variables.shipment as { status: string }).status).to.equal('reserved');

    const again = await robot(robotForm(dealId, APP_TOKEN));
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ status: 'already-running', processInstanceId: id });
    // Two at once (Bitrix24 redelivering) still start nothing more.
    const both = await Promise.all([robot(robotForm(dealId, APP_TOKEN)), robot(robotForm(dealId, APP_TOKEN))]);
    expect(both.map((r) => r.body.status)).to.deep.equal(['already-running', 'already-running']);
    expect((await instancesOfDeal()).map((i) => i.id)).to.deep.equal([id]);
  });

  it('an outbound webhook for a deal in another stage is acknowledged and ignored', async () => {
    const form = new URLSearchParams({ event: 'ONCRMDEALUPDATE', 'data[FIELDS][ID]': '12', 'auth[application_token]': APP_TOKEN, 'auth[domain]': 'acme.bitrix24.com' });
    const res = await robot(form.toString());
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('ignored');
  });

  it('answers 404 for a connection that is not Bitrix24 and 415 for a JSON body', async () => {
    expect((await robot(robotForm(dealId, APP_TOKEN), 'erp')).status).to.equal(404);
    const json = await fetch(`${server.url}/api/integrations/bitrix24/crm/robot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { application_token: APP_TOKEN } }),
    });
    expect(json.status).to.equal(415);
  });
});
