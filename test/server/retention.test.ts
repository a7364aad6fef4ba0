// History retention through the server: KARVON_RETENTION_DAYS turns the job on, it runs on the
// engine clock (moved here through the test clock), and /metrics counts what it removed.

import { expect } from 'chai';
import { ConfigError, readConfig } from '../../server/config.ts';
import { CAST, diagram, TestServer } from './helpers.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const NOTE = diagram(
  'note',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>`,
);
const APPROVE = diagram(
  'approve',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="ok" name="OK">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ok"/>
  <bpmn:sequenceFlow id="f2" sourceRef="ok" targetRef="end"/>`,
);

describe('server: history retention', () => {
  it('reads KARVON_RETENTION_DAYS and its interval, off by default, and names a bad value', () => {
    expect(readConfig({}).retentionTtlMs).to.equal(0);
    expect(readConfig({}).retentionEveryMs).to.equal(300_000);
    const set = readConfig({ KARVON_RETENTION_DAYS: '30', KARVON_RETENTION_INTERVAL_SECONDS: '60' });
    expect(set.retentionTtlMs).to.equal(30 * DAY);
    expect(set.retentionEveryMs).to.equal(60_000);
    expect(() => readConfig({ KARVON_RETENTION_DAYS: 'a month' })).to.throw(ConfigError, /KARVON_RETENTION_DAYS/);
    expect(() => readConfig({ KARVON_RETENTION_DAYS: '-1' })).to.throw(ConfigError, /KARVON_RETENTION_DAYS/);
  });

  describe('with a one-day period on the test clock', () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start({ testClock: true, retentionTtlMs: DAY, retentionEveryMs: HOUR });
      await server.createUsers(CAST);
      const res = await server.as('anna', 'POST', '/api/deployments', {
        body: { resources: [{ name: 'n.bpmn', content: NOTE }, { name: 'a.bpmn', content: APPROVE }] },
      });
      expect(res.status, res.text).to.equal(201);
    });
    after(() => server.close());

    /** Moves the test clock; the job fires on the way, and its run is awaited. */
    async function move(addMs: number): Promise<void> {
      const res = await server.as('admin', 'POST', '/api/clock', { body: { addMs } });
      expect(res.status, res.text).to.equal(200);
      await server.running.retention!.idle();
    }

    it('removes an ended instance after the period, keeps a running one, and counts it in /metrics', async () => {
      const ended = (await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'note' } })).body.id;
      const running = (await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'approve' } })).body.id;
      expect((await server.as<{ state: string }>('anna', 'GET', `/api/process-instances/${ended}`)).body.state).to.equal('completed');

      await move(12 * HOUR);
      expect((await server.as('anna', 'GET', `/api/process-instances/${ended}`)).status).to.equal(200);

      // One move fires the job once (at the first hour mark it passes); the run after the
      // period is the one at the next mark.
      await move(DAY);
      expect((await server.as('anna', 'GET', `/api/process-instances/${ended}`)).status).to.equal(200);
      await move(HOUR);
      expect((await server.as('anna', 'GET', `/api/process-instances/${ended}`)).status).to.equal(404);
      expect((await server.as('anna', 'GET', `/api/process-instances/${running}`)).status).to.equal(200);
      const tasks = await server.as<{ processInstanceId: string }[]>('aziz', 'GET', '/api/tasks');
      expect(tasks.body.map((t) => t.processInstanceId)).to.deep.equal([running]);

      const metrics = await server.call('GET', '/metrics');
      expect(metrics.text).to.match(/^karvon_retention_purged_instances_total 1$/m);
    });
  });

  it('is off unless configured: nothing is removed however far the clock moves', async () => {
    const server = await TestServer.start({ testClock: true });
    try {
      expect(server.running.retention).to.equal(null);
      await server.createUsers(CAST);
      await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'n.bpmn', content: NOTE }] } });
      const id = (await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'note' } })).body.id;
      await server.as('admin', 'POST', '/api/clock', { body: { addMs: 3650 * DAY } });
      expect((await server.as('anna', 'GET', `/api/process-instances/${id}`)).status).to.equal(200);
    } finally {
      await server.close();
    }
  });
});
