// Hostile input over HTTP: a seeded fuzz pass (test/server/hostile-fuzz.ts) plus the specific
// promises of the limits: a large legitimate diagram deploys, a 10 MB one is refused with the
// limit named, variables are bounded in size and depth, and a runaway FEEL expression becomes an
// incident naming its element while the server keeps answering.

import { expect } from 'chai';
import { diagram, TestServer } from './helpers.ts';
import { HOSTILE_KINDS, runHostileInputFuzz } from './hostile-fuzz.ts';

interface ErrorBody {
  error: { code: string; message: string; details: Array<{ path?: string; elementId?: string; message: string }> };
}

describe('server: hostile input', () => {
  describe('seeded fuzz', () => {
    it('answers every hostile request with a 2xx or a 4xx in the error shape, stays responsive, keeps its heap and the data stored before', async function () {
      this.timeout(180_000);
      const report = await runHostileInputFuzz({ iterations: 2 * HOSTILE_KINDS.length, seed: 20261204 });
      expect(report.failures).to.deep.equal([]);
      expect(Object.keys(report.kinds)).to.have.members(HOSTILE_KINDS);
      expect(Object.keys(report.statuses).every((s) => Number(s) >= 200 && Number(s) < 500)).to.equal(true);
      // The run allocates tens of megabytes per request at peak (10 MB bodies, 100 000-deep JSON);
      // what stays after a full GC must be small.
      expect(report.heapAfterMb - report.heapBeforeMb).to.be.below(48);
    });
  });

  describe('limits', () => {
    let server: TestServer;

    before(async () => {
      server = await TestServer.start();
      await server.createUsers([
        { username: 'anna', roles: ['analyst'] },
        { username: 'aziz', roles: ['employee'], groups: ['sales'] },
      ]);
    });
    after(() => server.close());

    const manyTasks = (key: string, count: number, padding: number) => {
      let body = '<bpmn:startEvent id="start"/>';
      let previous = 'start';
      for (let i = 0; i < count; i++) {
        body += `<bpmn:userTask id="t${i}" name="Step ${i}"><bpmn:documentation>${'Check the order lines. '.repeat(padding)}</bpmn:documentation></bpmn:userTask><bpmn:sequenceFlow id="f${i}" sourceRef="${previous}" targetRef="t${i}"/>`;
        previous = `t${i}`;
      }
      return diagram(key, `${body}<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="fe" sourceRef="${previous}" targetRef="end"/>`);
    };

    it('deploys a legitimate diagram of several megabytes', async function () {
      this.timeout(60_000);
      const xml = manyTasks('large', 3000, 60);
      expect(xml.length).to.be.above(4_000_000);
      const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'large.bpmn', content: xml }] } });
      expect(res.status, res.text.slice(0, 300)).to.equal(201);
      const back = await server.as('anna', 'GET', '/api/processes/large/xml');
      expect(back.text).to.equal(xml);
    });

    it('refuses a 10 MB diagram with 413 naming the limit, and one just over the diagram limit with 400', async () => {
      const ten = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'ten.bpmn', content: manyTasks('ten', 1, 460_000) }] } });
      expect(ten.status).to.equal(413);
      expect(ten.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
      expect(ten.body.error.message).to.include('KARVON_DEPLOY_BODY_LIMIT');
      const nine = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'nine.bpmn', content: manyTasks('nine', 1, 370_000) }] } });
      expect(nine.status).to.equal(400);
      expect(nine.body.error.code).to.equal('INVALID_XML');
      expect(nine.body.error.details[0]!.message).to.match(/^diagram of \d+ bytes; the limit is 8388608 \(KARVON_MAX_DIAGRAM_BYTES\)$/);
    });

    it('refuses variables nested too deep or too large on every route that takes them, naming the path', async () => {
      await server.as('anna', 'POST', '/api/deployments', {
        body: { resources: [{ name: 'v.bpmn', content: diagram('v', '<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>') }] },
      });
      let deep: unknown = 'leaf';
      for (let i = 0; i < 40; i++) deep = { next: deep };
      const big = 'x'.repeat(600 * 1024);
      const routes: Array<[string, string, Record<string, unknown>]> = [
        ['anna', '/api/process-instances', { processKey: 'v' }],
        ['anna', '/api/messages', { name: 'm' }],
        ['anna', '/api/signals', { name: 's' }],
        ['aziz', '/api/tasks/any/complete', {}],
        ['admin', '/api/jobs/any/complete', {}],
        ['admin', '/api/jobs/any/error', { errorCode: 'E' }],
        ['anna', '/api/process-instances/any/variables', {}],
      ];
      for (const [user, path, body] of routes) {
        const tooDeep = await server.as<ErrorBody>(user, 'POST', path, { body: { ...body, variables: { order: deep } } });
        expect(tooDeep.status, path).to.equal(400);
        expect(tooDeep.body.error.message).to.equal('The variables are nested more than 32 levels deep.');
        expect(tooDeep.body.error.details[0]!.path).to.match(/^\/body\/variables\/order(\/next){31}$/);
        const tooBig = await server.as<ErrorBody>(user, 'POST', path, { body: { ...body, variables: { note: big } } });
        expect(tooBig.status, path).to.equal(400);
        expect(tooBig.body.error.details[0]).to.deep.equal({ path: '/body/variables', message: `${big.length + 11} bytes as JSON; the limit is 524288 (KARVON_MAX_VARIABLES_BYTES)` });
      }
      const instances = await server.as<unknown[]>('anna', 'GET', '/api/process-instances?processKey=v');
      expect(instances.body).to.deep.equal([]);
    });

    it('refuses any JSON body nested deeper than the limit', async () => {
      const raw = `{"processKey":"v","businessKey":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const res = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', { raw });
      expect(res.status).to.equal(400);
      expect(res.body.error.message).to.equal('The request body is nested more than 64 levels deep.');
      expect(res.body.error.details[0]!.path).to.match(/^\/body\/businessKey(\/0){63}$/);
    });

    it('turns a runaway FEEL expression into an incident naming the element, and keeps answering', async function () {
      this.timeout(30_000);
      const xml = diagram(
        'runaway',
        `<bpmn:startEvent id="s"/>
        <bpmn:scriptTask id="explode"><bpmn:extensionElements><zeebe:script expression="=count(for a in 1..n, b in 1..n return a)" resultVariable="r"/></bpmn:extensionElements></bpmn:scriptTask>
        <bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="explode"/><bpmn:sequenceFlow id="f2" sourceRef="explode" targetRef="e"/>`,
      );
      expect((await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'r.bpmn', content: xml }] } })).status).to.equal(201);
      const started = await server.as<{ id: string; state: string }>('anna', 'POST', '/api/process-instances', { body: { processKey: 'runaway', variables: { n: 1_000_000 } } });
      expect(started.status).to.equal(201);
      const detail = await server.as<{ activeElements: string[]; incidents: Array<{ elementId: string; message: string }> }>('anna', 'GET', `/api/process-instances/${started.body.id}`);
      expect(detail.body.activeElements).to.deep.equal(['explode']);
      expect(detail.body.incidents).to.have.length(1);
      expect(detail.body.incidents[0]!.elementId).to.equal('explode');
      expect(detail.body.incidents[0]!.message).to.include("'=count(for a in 1..n, b in 1..n return a)'");
      expect(detail.body.incidents[0]!.message).to.include('evaluation budget (KARVON_FEEL_BUDGET_MS)');
      expect((await server.call('GET', '/health')).status).to.equal(200);
    });

    it('refuses statically unbounded FEEL at deploy with 422 naming the element', async () => {
      const xml = diagram(
        'static',
        `<bpmn:startEvent id="s"/>
        <bpmn:scriptTask id="loop"><bpmn:extensionElements><zeebe:script expression="=for i in 1..1000000000 return i" resultVariable="r"/></bpmn:extensionElements></bpmn:scriptTask>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="loop"/>`,
      );
      const res = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 's.bpmn', content: xml }] } });
      expect(res.status).to.equal(422);
      expect(res.body.error.details.map((d) => [d.elementId, d.message])).to.deep.equal([
        ['loop', "zeebe:script expression: FEEL expression '=for i in 1..1000000000 return i' iterates over 1..1000000000 (1000000000 items); the limit is 100000 (KARVON_MAX_FEEL_RANGE)"],
      ]);
    });
  });
});
