// The test clock over HTTP: only with KARVON_TEST_CLOCK=1, and a move answers after what fell due.

import { expect } from 'chai';
import { CAST, diagram, TestServer } from './helpers.ts';

const WAIT_AN_HOUR = diagram(
  'wait-an-hour',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:intermediateCatchEvent id="wait">
    <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:intermediateCatchEvent>
  <bpmn:userTask id="follow-up" name="Follow up">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
  <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="follow-up"/>
  <bpmn:sequenceFlow id="f3" sourceRef="follow-up" targetRef="end"/>`,
);

interface Reading {
  now: string;
  epochMs: number;
}

describe('server: test clock', () => {
  describe('with KARVON_TEST_CLOCK=1', () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start({ testClock: true });
      await server.createUsers(CAST);
      const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'w.bpmn', content: WAIT_AN_HOUR }] } });
      expect(res.status, res.text).to.equal(201);
    });
    after(() => server.close());

    it('fires a timer when the clock passes it, before answering', async () => {
      const before = (await server.as<Reading>('aziz', 'GET', '/api/clock')).body;
      expect(Date.parse(before.now)).to.equal(before.epochMs);
      const id = (await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'wait-an-hour' } })).body.id;
      const early = await server.as<Reading>('admin', 'POST', '/api/clock', { body: { addMs: 59 * 60_000 } });
      expect(early.body.epochMs).to.equal(before.epochMs + 59 * 60_000);
      expect((await server.as<{ activeElements: string[] }>('anna', 'GET', `/api/process-instances/${id}`)).body.activeElements).to.deep.equal(['wait']);

      const moved = await server.as<Reading>('admin', 'POST', '/api/clock', { body: { addMs: 60_000 } });
      expect(moved.status, moved.text).to.equal(200);
      const tasks = await server.as<{ elementId: string }[]>('aziz', 'GET', `/api/tasks?processInstanceId=${id}`);
      expect(tasks.body.map((t) => t.elementId)).to.deep.equal(['follow-up']);
    });

    it('pins the clock to an instant, never backwards', async () => {
      const now = (await server.as<Reading>('admin', 'GET', '/api/clock')).body.epochMs;
      const target = new Date(now + 86_400_000).toISOString();
      const pinned = await server.as<Reading>('admin', 'POST', '/api/clock', { body: { pin: target } });
      expect(pinned.body.now).to.equal(target);
      const back = await server.as<{ error: { code: string } }>('admin', 'POST', '/api/clock', { body: { pin: new Date(now).toISOString() } });
      expect(back.status).to.equal(400);
    });

    it('documents the clock routes', async () => {
      const doc = await server.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/openapi.json');
      expect(Object.keys(doc.body.paths['/api/clock']!)).to.have.members(['get', 'post']);
    });

    it('needs exactly one of addMs and pin, and admin to move', async () => {
      expect((await server.as('admin', 'POST', '/api/clock', { body: {} })).status).to.equal(400);
      expect((await server.as('admin', 'POST', '/api/clock', { body: { addMs: 1, pin: '2030-01-01T00:00:00Z' } })).status).to.equal(400);
      expect((await server.as('anna', 'POST', '/api/clock', { body: { addMs: 1 } })).status).to.equal(403);
    });
  });

  describe('without it', () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start();
    });
    after(() => server.close());

    it('answers 404 on the clock routes and leaves them out of the OpenAPI document', async () => {
      expect((await server.as('admin', 'GET', '/api/clock')).status).to.equal(404);
      expect((await server.as('admin', 'POST', '/api/clock', { body: { addMs: 1 } })).status).to.equal(404);
      const doc = await server.call<{ paths: Record<string, unknown> }>('GET', '/api/openapi.json');
      expect(doc.body.paths).not.to.have.property('/api/clock');
    });
  });
});
