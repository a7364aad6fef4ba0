// A connection changed through the API takes effect without a restart: the next job uses it (a job
// waiting in retry backoff included), with a fresh circuit breaker; a call already running finishes
// on the configuration it started with; a connection in use is not deleted; the deploy drift check
// and the connection test ask the new configuration; and a second node on the same store runs its
// next job with the change. Everything through the real server over HTTP, against fake ERPs on
// loopback, with the test clock (no sleeps). With MONGODB_URL set the servers run on MongoDB.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { seedDemoData, type DemoSeedReport } from '../../adapters/seed.ts';
import type { AuditEntry } from '../../engine/store/port.ts';
import type { IncidentRecord } from '../../engine/types.ts';
import { startFake, type StartedFake } from '../adapters/external/fakes/http-fake.ts';
import { OdooFake } from '../adapters/external/fakes/odoo.ts';
import { seedOdoo } from '../adapters/external/fixtures.ts';
import { freshDatabaseName } from '../engine/backends.ts';
import { TestServer } from './helpers.ts';

const API_KEY = 'odoo-ap1-k3y-s3cr3t';
const SECRET_KEY = Buffer.alloc(32, 5).toString('hex');

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

/** The CRM card, then a shipment through connection `connection`. */
function shipDiagram(processKey: string, connection: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d_${processKey}" targetNamespace="http://karvon.dev/test">
  <bpmn:process id="${processKey}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="card">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="crm.getCustomerCard" retries="3" />
        <zeebe:ioMapping><zeebe:input source="=customerId" target="customerId" /></zeebe:ioMapping>
        <zeebe:taskHeaders><zeebe:header key="resultVariable" value="customerCard" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="ship">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="${connection}.requestShipment" retries="3" />
        <zeebe:ioMapping>
          <zeebe:input source="=customerCard.customer" target="customer" />
          <zeebe:input source="=items" target="items" />
        </zeebe:ioMapping>
        <zeebe:taskHeaders><zeebe:header key="resultVariable" value="shipment" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="card" />
    <bpmn:sequenceFlow id="f2" sourceRef="card" targetRef="ship" />
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>`;
}

/** The same process without the ERP step: a version that no longer calls the connection. */
function cardOnlyDiagram(processKey: string): string {
  return shipDiagram(processKey, 'unused')
    .replace(/<bpmn:serviceTask id="ship">[\s\S]*?<\/bpmn:serviceTask>/, '')
    .replace('<bpmn:outgoing>f2</bpmn:outgoing>', '<bpmn:outgoing>f3</bpmn:outgoing>')
    .replace('<bpmn:sequenceFlow id="f2" sourceRef="card" targetRef="ship" />', '')
    .replace('sourceRef="ship" targetRef="e"', 'sourceRef="card" targetRef="e"');
}

const odooConfig = (url: string, extra: Record<string, unknown> = {}) => ({ url, protocol: 'json2', apiKey: API_KEY, ...extra });

/** A fake ERP that answers 500 to everything, counting what it got. */
async function brokenErp(): Promise<StartedFake & { hits: () => number }> {
  let hits = 0;
  const fake = await startFake(() => {
    hits++;
    return { status: 500, body: { name: 'werkzeug.exceptions.InternalServerError', message: 'Internal Server Error' } };
  });
  return { ...fake, hits: () => hits };
}

async function healthyOdoo(partnerFields?: string[]): Promise<OdooFake> {
  const odoo = await new OdooFake({ apiKey: API_KEY }).start();
  seedOdoo(odoo);
  if (partnerFields) odoo.partnerFields = partnerFields;
  return odoo;
}

const pickings = (odoo: OdooFake) => odoo.records('stock.picking', [['state', '!=', 'cancel']]);

async function deploy(server: TestServer, name: string, content: string): Promise<void> {
  const res = await server.as('admin', 'POST', '/api/deployments', { body: { resources: [{ name, content }] } });
  expect(res.status, res.text).to.equal(201);
}

async function startShipping(server: TestServer, demo: DemoSeedReport, processKey: string, version?: number): Promise<string> {
  const res = await server.as<{ id: string }>('admin', 'POST', '/api/process-instances', {
    body: { processKey, ...(version ? { version } : {}), variables: { customerId: demo.ships.customerId, items: [{ sku: 'PAXTA-IP-30', quantity: 10 }] } },
  });
  expect(res.status, res.text).to.equal(201);
  return res.body.id;
}

/** Moves the test clock and answers once everything due by then has run. */
async function advance(server: TestServer, addMs: number): Promise<void> {
  const res = await server.as('admin', 'POST', '/api/clock', { body: { addMs } });
  expect(res.status, res.text).to.equal(200);
}

async function instanceState(server: TestServer, id: string): Promise<string> {
  return (await server.as<{ state: string }>('admin', 'GET', `/api/process-instances/${id}`)).body.state;
}

async function openIncidents(server: TestServer, instanceId: string): Promise<IncidentRecord[]> {
  const res = await server.as<IncidentRecord[]>('admin', 'GET', '/api/incidents');
  expect(res.status, res.text).to.equal(200);
  return res.body.filter((i) => i.processInstanceId === instanceId);
}

describe('server: a connection changed through the API takes effect without a restart', function () {
  this.timeout(30_000);
  let server: TestServer;
  let demo: DemoSeedReport;
  const logs = new Lines();
  /** Every answer the suite read, to look for secrets in. */
  const answers: string[] = [];
  const fakes: Array<{ close(): Promise<void> }> = [];

  before(async () => {
    server = await TestServer.start({ testClock: true, secretKey: SECRET_KEY }, { logger: pino({ level: 'debug' }, logs) });
    demo = await seedDemoData(server.running.store);
  });
  after(async () => {
    await server?.close();
    for (const fake of fakes) await fake.close();
  });

  async function put(name: string, body: unknown, expected: number): Promise<{ active: boolean; config: Record<string, unknown> }> {
    const res = await server.as<{ active: boolean; config: Record<string, unknown> }>('admin', 'PUT', `/api/connections/${name}`, { body });
    answers.push(res.text);
    expect(res.status, res.text).to.equal(expected);
    return res.body;
  }

  it('a job waiting in retry backoff succeeds on its next attempt against the new URL, with a fresh breaker: one shipment', async () => {
    const broken = await brokenErp();
    const odoo = await healthyOdoo();
    fakes.push(broken, odoo);
    // One failure opens the breaker for ten minutes: only a breaker rebuilt with the change lets the
    // next attempt through after a few seconds.
    const limits = { timeoutMs: 5_000, breakerThreshold: 1, breakerHalfOpenAfterMs: 10 * 60_000 };
    await put('shop', { adapter: 'odoo', title: 'Shop ERP', config: odooConfig(broken.url), limits }, 201);
    await deploy(server, 'retry.bpmn', shipDiagram('retry-ship', 'shop'));

    const id = await startShipping(server, demo, 'retry-ship');
    await advance(server, 0);
    const failedCalls = broken.hits();
    expect(failedCalls, 'the first attempt reached the broken ERP').to.be.greaterThan(0);
    expect(await instanceState(server, id)).to.equal('active');
    expect(await openIncidents(server, id), 'waiting in backoff, not at an incident').to.have.length(0);

    // The API key is left out: the stored one is kept.
    const changed = await put('shop', { adapter: 'odoo', title: 'Shop ERP', config: { url: odoo.url, protocol: 'json2' }, limits }, 200);
    expect(changed.active).to.equal(true);
    expect(changed.config).to.deep.include({ url: odoo.url, apiKey: { set: true } });

    // Past the first backoff (at most 1 s), far short of the old breaker's 10 minutes.
    await advance(server, 5_000);
    expect(await instanceState(server, id)).to.equal('completed');
    expect(pickings(odoo)).to.have.length(1);
    expect(broken.hits(), 'nothing more went to the old URL').to.equal(failedCalls);

    const trail = (await server.as<{ entries: AuditEntry[] }>('admin', 'GET', '/api/audit?action=connection.changed&target=shop')).body.entries;
    expect(trail).to.have.length(2);
    expect(trail.map((e) => e.actor)).to.deep.equal(['admin', 'admin']);
    // Newest first: the change kept the key, the creation set it.
    expect(trail.map((e) => e.details.secretsChanged)).to.deep.equal([[], ['apiKey']]);
    answers.push(JSON.stringify(trail));
  });

  it('lets a call already running finish with the configuration it started with', async () => {
    const before = await healthyOdoo();
    const after = await healthyOdoo();
    fakes.push(before, after);
    // In front of `before`: holds the shipment's first call (the picking lookup) until released, and
    // passes everything on (the deploy's drift check included).
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived = () => {};
    const held = new Promise<void>((resolve) => (arrived = resolve));
    let first = true;
    const holding = await startFake(async (req) => {
      if (first && req.path === '/json/2/stock.picking/search_read') {
        first = false;
        arrived();
        await gate;
      }
      const res = await fetch(`${before.url}${req.path}`, {
        method: req.method,
        headers: { authorization: String(req.headers.authorization ?? ''), 'content-type': 'application/json' },
        body: req.method === 'GET' ? undefined : req.raw,
      });
      return { status: res.status, body: await res.json() };
    });
    fakes.push(holding);
    await put('held', { adapter: 'odoo', config: odooConfig(holding.url), limits: { timeoutMs: 60_000 } }, 201);
    await deploy(server, 'held.bpmn', shipDiagram('held-ship', 'held'));

    const running = await startShipping(server, demo, 'held-ship');
    await held;
    await put('held', { adapter: 'odoo', config: odooConfig(after.url), limits: { timeoutMs: 60_000 } }, 200);
    release();
    await advance(server, 0);
    expect(await instanceState(server, running)).to.equal('completed');
    expect(pickings(before), 'the running call finished where it started').to.have.length(1);
    expect(before.calls.filter((c) => c === 'stock.picking.create')).to.have.length(1);
    expect(pickings(after)).to.have.length(0);

    const next = await startShipping(server, demo, 'held-ship');
    await advance(server, 0);
    expect(await instanceState(server, next)).to.equal('completed');
    expect(pickings(after), 'the next job went to the new URL').to.have.length(1);
    expect(pickings(before)).to.have.length(1);
  });

  it('runs the deploy drift check and the connection test against the new configuration', async () => {
    const drifted = await healthyOdoo(new OdooFake().partnerFields.filter((f) => f !== 'vat'));
    const fixed = await healthyOdoo();
    fakes.push(drifted, fixed);
    await put('drift', { adapter: 'odoo', config: odooConfig(drifted.url) }, 201);

    const tested = await server.as<{ ok: boolean; message: string; drift: { ok: boolean } | null }>('admin', 'POST', '/api/connections/drift/test');
    answers.push(tested.text);
    expect(tested.status, tested.text).to.equal(200);
    expect(tested.body.ok).to.equal(false);
    expect(tested.body.message).to.include('taxId');
    const refused = await server.as('admin', 'POST', '/api/deployments', { body: { resources: [{ name: 'drift.bpmn', content: shipDiagram('drift-ship', 'drift') }] } });
    expect(refused.status, refused.text).to.equal(422);
    expect(refused.text).to.include('"ship"').and.include('connection \\"drift\\"').and.include('taxId');

    // The field list of the old ERP is not reused for the new one, even within its 30 s.
    await put('drift', { adapter: 'odoo', config: odooConfig(fixed.url) }, 200);
    await deploy(server, 'drift.bpmn', shipDiagram('drift-ship', 'drift'));
    const retested = await server.as<{ ok: boolean; drift: { ok: boolean } | null }>('admin', 'POST', '/api/connections/drift/test');
    answers.push(retested.text);
    expect(retested.body).to.deep.include({ ok: true });
    expect(retested.body.drift?.ok).to.equal(true);
    expect(fixed.calls).to.include('res.partner.fields_get');

    expect((await server.as('admin', 'POST', '/api/connections/nothing_here/test')).status).to.equal(404);
  });

  it('refuses to delete a connection in use, naming the process and element; a later job on it becomes an incident naming it', async () => {
    const odoo = await healthyOdoo();
    fakes.push(odoo);
    await put('old_erp', { adapter: 'odoo', config: odooConfig(odoo.url) }, 201);
    await deploy(server, 'gone.bpmn', shipDiagram('gone-ship', 'old_erp'));

    const refused = await server.as<{ error: { code: string; message: string; details: Array<{ elementId?: string }> } }>('admin', 'DELETE', '/api/connections/old_erp');
    expect(refused.status, refused.text).to.equal(409);
    expect(refused.body.error.message).to.include('process "gone-ship" v1 element "ship" (old_erp.requestShipment)');
    expect(refused.body.error.details.map((d) => d.elementId)).to.deep.equal(['ship']);

    // A new version without the ERP step: the latest no longer uses it, so it can go.
    await deploy(server, 'gone-v2.bpmn', cardOnlyDiagram('gone-ship'));
    expect((await server.as('admin', 'DELETE', '/api/connections/old_erp')).status).to.equal(200);
    const deleted = (await server.as<{ entries: AuditEntry[] }>('admin', 'GET', '/api/audit?action=connection.deleted&target=old_erp')).body.entries;
    expect(deleted).to.have.length(1);
    expect((await server.as('admin', 'GET', '/api/connections/old_erp')).status).to.equal(404);

    // An instance of the old version still reaches the task: an incident that says what is missing.
    const id = await startShipping(server, demo, 'gone-ship', 1);
    await advance(server, 0);
    const incidents = await openIncidents(server, id);
    expect(incidents).to.have.length(1);
    expect(incidents[0]!.elementId).to.equal('ship');
    expect(incidents[0]!.message).to.include('connection "old_erp" no longer exists');
    expect(pickings(odoo)).to.have.length(0);

    // Made again, the connection runs the job once the incident is resolved.
    await put('old_erp', { adapter: 'odoo', config: odooConfig(odoo.url) }, 201);
    expect((await server.as('admin', 'POST', `/api/incidents/${incidents[0]!.id}/resolve`)).status).to.equal(200);
    await advance(server, 0);
    expect(await instanceState(server, id)).to.equal('completed');
    expect(pickings(odoo)).to.have.length(1);
  });

  it('refuses to delete a connection with an incident waiting at its task', async () => {
    const broken = await brokenErp();
    fakes.push(broken);
    await put('flaky', { adapter: 'odoo', config: odooConfig(broken.url) }, 201);
    await deploy(server, 'flaky.bpmn', shipDiagram('flaky-ship', 'flaky'));
    await deploy(server, 'flaky-v2.bpmn', cardOnlyDiagram('flaky-ship'));
    const id = await startShipping(server, demo, 'flaky-ship', 1);
    await advance(server, 0);
    // The first attempt failed; the job waits in backoff.
    const waiting = await server.as<{ error: { message: string } }>('admin', 'DELETE', '/api/connections/flaky');
    expect(waiting.status, waiting.text).to.equal(409);
    expect(waiting.body.error.message).to.include('open jobs of flaky.requestShipment');
    // Each move runs the retry that falls due; three attempts, then the incident.
    for (let i = 0; i < 3; i++) await advance(server, 60 * 60_000);
    expect(await openIncidents(server, id)).to.have.length(1);
    const refused = await server.as<{ error: { message: string } }>('admin', 'DELETE', '/api/connections/flaky');
    expect(refused.status, refused.text).to.equal(409);
    expect(refused.body.error.message).to.include(`open incidents ${(await openIncidents(server, id))[0]!.id} (instance ${id}, element "ship")`);
  });

  it('never shows or logs the API key', () => {
    const logged = logs.lines.join('');
    expect(logged).to.include('Connection \\"shop\\" changed');
    expect(logged).to.not.include(API_KEY);
    for (const text of answers) expect(text).to.not.include(API_KEY);
  });
});

describe('server: a connection changed on one node is used by the next job on another', function () {
  this.timeout(30_000);
  let dataDir: string;
  let nodeA: TestServer;
  let nodeB: TestServer;
  let demo: DemoSeedReport;
  const fakes: OdooFake[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'karvon-connection-nodes-'));
    // One SQLite file, or with MONGODB_URL one MongoDB database; one key, as the nodes must share it.
    const shared = {
      dataDir,
      testClock: true,
      secretKey: SECRET_KEY,
      feedPollMs: 50,
      ...(process.env.MONGODB_URL?.trim() ? { mongodbDb: freshDatabaseName('karvon_conns') } : {}),
    };
    nodeA = await TestServer.start({ ...shared, nodeId: 'node-a' });
    nodeB = await TestServer.start({ ...shared, nodeId: 'node-b' });
    demo = await seedDemoData(nodeA.running.store);
  });
  after(async () => {
    await nodeB?.close();
    await nodeA?.close();
    for (const fake of fakes) await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('node B ships through the URL node A stored a moment ago', async () => {
    const first = await healthyOdoo();
    const second = await healthyOdoo();
    fakes.push(first, second);
    expect((await nodeA.as('admin', 'PUT', '/api/connections/shop', { body: { adapter: 'odoo', config: odooConfig(first.url) } })).status).to.equal(201);
    await deploy(nodeA, 'nodes.bpmn', shipDiagram('nodes-ship', 'shop'));
    // Listing the connections brings node B up to date with ones created elsewhere.
    expect((await nodeB.as<{ active: boolean }>('admin', 'GET', '/api/connections/shop')).body.active).to.equal(true);

    // Node B leases the jobs of instances it starts; node A's clock never moves, so it runs none.
    const one = await startShipping(nodeB, demo, 'nodes-ship');
    await advance(nodeB, 0);
    expect(await instanceState(nodeB, one)).to.equal('completed');
    expect(pickings(first)).to.have.length(1);

    const changed = await nodeA.as('admin', 'PUT', '/api/connections/shop', { body: { adapter: 'odoo', config: { url: second.url, protocol: 'json2' } } });
    expect(changed.status, changed.text).to.equal(200);
    const two = await startShipping(nodeB, demo, 'nodes-ship');
    await advance(nodeB, 0);
    expect(await instanceState(nodeB, two)).to.equal('completed');
    expect(pickings(second), 'node B used the new URL').to.have.length(1);
    expect(pickings(first)).to.have.length(1);

    const onB = await nodeB.as<{ active: boolean; config: Record<string, unknown> }>('admin', 'GET', '/api/connections/shop');
    expect(onB.body).to.deep.include({ active: true });
    expect(onB.body.config).to.deep.include({ url: second.url, apiKey: { set: true } });
  });

  it('node B binds a connection node A created, without being asked; a job it made meanwhile waits and then runs', async () => {
    const odoo = await healthyOdoo();
    fakes.push(odoo);
    expect((await nodeA.as('admin', 'PUT', '/api/connections/fresh', { body: { adapter: 'odoo', config: odooConfig(odoo.url) } })).status).to.equal(201);
    await deploy(nodeA, 'fresh.bpmn', shipDiagram('fresh-ship', 'fresh'));
    // Most likely before node B has bound "fresh": its job waits (it is not lost, nor run elsewhere).
    const id = await startShipping(nodeB, demo, 'fresh-ship');
    // Node B re-reads the stored connections every second.
    const deadline = Date.now() + 20_000;
    while (!nodeB.running.adapters.connections.some((c) => c.name === 'fresh')) {
      expect(Date.now(), 'node B bound "fresh" in time').to.be.below(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await advance(nodeB, 0);
    expect(await instanceState(nodeB, id)).to.equal('completed');
    expect(pickings(odoo)).to.have.length(1);
  });
});
