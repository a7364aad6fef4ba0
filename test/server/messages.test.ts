// Messages over HTTP: correlation by name and key, buffering with a TTL, idempotent message ids.

import { expect } from 'chai';
import { CAST, NS, TestServer } from './helpers.ts';

const WAIT_FOR_PAYMENT = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs_pay" targetNamespace="http://karvon.test">
  <bpmn:message id="paid" name="payment-received">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="pay" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:receiveTask id="wait" messageRef="paid"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`;

interface MessageResult {
  correlated: string[];
  started: string[];
  buffered: boolean;
}

describe('server: messages', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
    const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'pay.bpmn', content: WAIT_FOR_PAYMENT }] } });
    expect(res.status, res.text).to.equal(201);
  });
  after(() => server.close());

  const start = async (orderId: string | number) =>
    (await server.as<{ id: string }>('anna', 'POST', '/api/process-instances', { body: { processKey: 'pay', variables: { orderId } } })).body.id;
  const state = async (id: string) =>
    (await server.as<{ state: string; variables: Record<string, unknown> }>('anna', 'GET', `/api/process-instances/${id}`)).body;

  it('correlates to the waiting instance with that key only', async () => {
    const a = await start('A-1');
    const b = await start('B-1');
    const res = await server.as<MessageResult>('dev', 'POST', '/api/messages', {
      body: { name: 'payment-received', correlationKey: 'A-1', variables: { paidAmount: 10 } },
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({ correlated: [a], started: [], buffered: false });
    expect(await state(a)).to.deep.include({ state: 'completed' });
    expect((await state(a)).variables).to.include({ paidAmount: 10 });
    expect((await state(b)).state).to.equal('active');
  });

  it('compares a numeric key as text', async () => {
    const id = await start(42);
    const res = await server.as<MessageResult>('dev', 'POST', '/api/messages', { body: { name: 'payment-received', correlationKey: 42 } });
    expect(res.body.correlated).to.deep.equal([id]);
  });

  it('buffers a message with a TTL for a subscriber that comes later', async () => {
    const res = await server.as<MessageResult>('dev', 'POST', '/api/messages', {
      body: { name: 'payment-received', correlationKey: 'LATE-1', ttlMs: 60_000 },
    });
    expect(res.body).to.deep.equal({ correlated: [], started: [], buffered: true });
    const id = await start('LATE-1');
    expect((await state(id)).state).to.equal('completed');
  });

  it('ignores a repeated messageId within its TTL', async () => {
    const first = await start('DUP-1');
    const second = await start('DUP-1');
    const send = () =>
      server.as<MessageResult>('dev', 'POST', '/api/messages', {
        body: { name: 'payment-received', correlationKey: 'DUP-1', messageId: 'm-1', ttlMs: 60_000 },
      });
    expect((await send()).body.correlated).to.have.members([first, second]);
    const third = await start('DUP-1');
    expect((await send()).body).to.deep.equal({ correlated: [], started: [], buffered: false });
    expect((await state(third)).state).to.equal('active');
  });

  it('validates the body and keeps employees out', async () => {
    const bad = await server.as<{ error: { details: { path: string }[] } }>('dev', 'POST', '/api/messages', { body: { correlationKey: 'x' } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details.map((d) => d.path)).to.deep.equal(['/body/name']);
    expect((await server.as('aziz', 'POST', '/api/messages', { body: { name: 'x' } })).status).to.equal(403);
  });

  it('broadcasts a signal to every waiting instance and counts them', async () => {
    const deployed = await server.as('anna', 'POST', '/api/deployments', {
      body: {
        resources: [{
          name: 'line.bpmn',
          content: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs_line" targetNamespace="http://karvon.test">
  <bpmn:signal id="stop" name="stop-the-line"/>
  <bpmn:process id="line" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="waitStop"><bpmn:signalEventDefinition signalRef="stop"/></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="waitStop"/>
    <bpmn:sequenceFlow id="f2" sourceRef="waitStop" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`,
        }],
      },
    });
    expect(deployed.status, deployed.text).to.equal(201);
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await server.as<{ id: string }>('anna', 'POST', '/api/process-instances', { body: { processKey: 'line' } })).body.id);
    const res = await server.as<{ triggered: number }>('dev', 'POST', '/api/signals', { body: { name: 'stop-the-line', variables: { why: 'jam' } } });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({ triggered: 2 });
    for (const id of ids) expect((await state(id)).state).to.equal('completed');
    const invalid = await server.as('dev', 'POST', '/api/signals', { body: { variables: {} } });
    expect(invalid.status).to.equal(400);
  });
});
