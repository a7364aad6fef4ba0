// The audit trail over HTTP: what each action records (actor, targets, request id), the admin's
// queries and pages, that no route can change it, and what happens when writing it fails.

import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import type { AuditEntry } from '../../engine/store/port.ts';
import { CAST, diagram, TestServer } from './helpers.ts';

const REVIEW = diagram(
  'review',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="check" name="Check">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:serviceTask id="notify" name="Notify">
    <bpmn:extensionElements><zeebe:taskDefinition type="audit-notify" retries="1"/></bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
  <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="notify"/>
  <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="end"/>`,
);

interface Page {
  entries: AuditEntry[];
  nextCursor: string | null;
}

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    done();
  }
}

describe('server: audit trail', () => {
  let server: TestServer;
  let now = Date.parse('2026-05-01T09:00:00.000Z');
  const logs = new Lines();

  before(async () => {
    server = await TestServer.start({}, { now: () => now, logger: pino({ level: 'info' }, logs) });
    await server.createUsers(CAST);
  });
  after(() => server.close());

  const audit = async (query = ''): Promise<Page> => {
    const res = await server.as<Page>('admin', 'GET', `/api/audit${query}`);
    expect(res.status, res.text).to.equal(200);
    return res.body;
  };
  const tick = () => (now += 1000);

  it('records who deployed, started, claimed, assigned, completed, resolved, set variables and canceled what, with the request id', async () => {
    tick();
    const deployed = await server.as<{ deploymentId: string }>('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'review.bpmn', content: REVIEW }] },
      headers: { 'x-request-id': 'req-deploy-1' },
    });
    expect(deployed.status).to.equal(201);
    // An identical deploy changes nothing and records nothing.
    expect((await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'review.bpmn', content: REVIEW }] } })).status).to.equal(200);
    tick();
    const started = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', {
      body: { processKey: 'review', businessKey: 'R-1', variables: { secretNote: 'not in the trail' } },
    });
    const [task] = (await server.as<{ id: string }[]>('aziz', 'GET', `/api/tasks?processInstanceId=${started.body.id}`)).body;
    tick();
    expect((await server.as('aziz', 'POST', `/api/tasks/${task!.id}/claim`)).status).to.equal(200);
    tick();
    expect((await server.as('admin', 'POST', `/api/tasks/${task!.id}/assign`, { body: { assignee: 'dilnoza' } })).status).to.equal(200);
    tick();
    expect((await server.as('dilnoza', 'POST', `/api/tasks/${task!.id}/complete`, { body: { variables: { approved: true } } })).status).to.equal(200);
    tick();
    const [job] = (await server.as<{ id: string }[]>('dev', 'POST', '/api/jobs/activate', { body: { type: 'audit-notify', worker: 'w' } })).body;
    expect((await server.as('dev', 'POST', `/api/jobs/${job!.id}/fail`, { body: { errorMessage: 'smtp down', retries: 0 } })).status).to.equal(200);
    const [incident] = (await server.as<{ id: string }[]>('admin', 'GET', `/api/incidents?processInstanceId=${started.body.id}`)).body;
    tick();
    expect((await server.as('dev', 'POST', `/api/incidents/${incident!.id}/resolve`)).status).to.equal(200);
    tick();
    expect((await server.as('anna', 'POST', `/api/process-instances/${started.body.id}/variables`, { body: { variables: { priority: 'high' } } })).status).to.equal(200);
    tick();
    expect((await server.as('anna', 'POST', `/api/process-instances/${started.body.id}/cancel`)).status).to.equal(200);

    const { entries } = await audit(`?target=${started.body.id}`);
    const story = entries.map((e) => `${e.actor} ${e.action}`).reverse();
    expect(story).to.deep.equal([
      'aziz instance.started',
      'aziz task.claimed',
      'admin task.assigned',
      'dilnoza task.completed',
      'anna variables.set',
      'anna instance.canceled',
    ]);
    expect(entries.find((e) => e.action === 'variables.set')!.details).to.deep.equal({ variables: ['priority'] });
    const byAction = (action: string) => entries.find((e) => e.action === action)!;
    expect(byAction('task.assigned')).to.deep.include({ targets: [task!.id, started.body.id, 'dilnoza'] });
    expect(byAction('task.assigned').details).to.deep.equal({ assignee: 'dilnoza', previousAssignee: 'aziz' });
    // Names of variables, never their values.
    expect(byAction('task.completed').details).to.deep.equal({ variables: ['approved'] });
    expect(JSON.stringify(entries)).to.not.include('not in the trail');

    const deploy = (await audit('?action=process.deployed')).entries;
    expect(deploy).to.have.length(1);
    expect(deploy[0]).to.deep.include({ actor: 'anna', requestId: 'req-deploy-1', targets: [deployed.body.deploymentId, 'review'] });
    expect(deploy[0]!.at).to.equal('2026-05-01T09:00:01.000Z');

    const resolved = (await audit(`?target=${incident!.id}`)).entries;
    expect(resolved.map((e) => `${e.actor} ${e.action}`)).to.deep.equal(['dev incident.resolved']);
    const jobEntries = (await audit(`?target=${job!.id}`)).entries;
    expect(jobEntries.map((e) => `${e.actor} ${e.action}`)).to.deep.equal(['dev job.failed']);
    // Every entry a request wrote carries that request's id.
    expect(entries.every((e) => typeof e.requestId === 'string' && e.requestId.length > 0)).to.equal(true);
  });

  it('records users, sign-ins (the name tried, never the password), sign-outs, messages and signals', async () => {
    tick();
    await server.as('admin', 'POST', '/api/users', { body: { username: 'newbie', password: 'newbie-pass-1', roles: ['employee'], groups: ['sales'] } });
    tick();
    await server.call('POST', '/api/auth/login', { body: { username: 'newbie', password: 'typo-pass-99' } });
    tick();
    const login = await server.call<{ token: string }>('POST', '/api/auth/login', { body: { username: 'newbie', password: 'newbie-pass-1' } });
    tick();
    await server.call('POST', '/api/auth/logout', { token: login.body.token });
    await server.as('dev', 'POST', '/api/messages', { body: { name: 'paid', correlationKey: 'INV-9', ttlMs: 0 } });
    await server.as('anna', 'POST', '/api/signals', { body: { name: 'stop-all' } });

    const newbie = (await audit('?target=newbie')).entries.map((e) => `${e.actor} ${e.action}`).reverse();
    expect(newbie).to.deep.equal(['admin user.created', 'newbie auth.login-failed', 'newbie auth.login-succeeded', 'newbie auth.logout']);
    const all = await audit('?limit=1000');
    expect(JSON.stringify(all)).to.not.match(/typo-pass-99|newbie-pass-1|password/i);
    expect(all.entries.find((e) => e.action === 'message.published')).to.deep.include({ actor: 'dev', targets: ['paid'] });
    expect(all.entries.find((e) => e.action === 'signal.broadcast')).to.deep.include({ actor: 'anna', targets: ['stop-all'] });
    // Seeding the first admin happens before any request: no actor, no request id.
    expect(all.entries.find((e) => e.action === 'user.created' && e.targets[0] === 'admin')).to.deep.include({ actor: null, requestId: null });
  });

  it('filters by actor, action and time, and pages newest first without gaps or repeats', async () => {
    const everything = (await audit('?limit=1000')).entries;
    expect(everything.length).to.be.greaterThan(15);
    const sorted = [...everything].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
    expect(everything.map((e) => e.id)).to.deep.equal(sorted.map((e) => e.id));

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await audit(`?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.entries.length).to.be.at.most(4);
      paged.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).to.deep.equal(everything.map((e) => e.id));

    const aziz = (await audit('?actor=aziz')).entries;
    expect(aziz.length).to.be.greaterThan(0);
    expect(aziz.every((e) => e.actor === 'aziz')).to.equal(true);
    const from = '2026-05-01T09:00:02.000Z';
    const to = '2026-05-01T09:00:04.000Z';
    const window = (await audit(`?from=${from}&to=${to}`)).entries;
    expect(window.map((e) => e.id)).to.deep.equal(everything.filter((e) => e.at >= from && e.at < to).map((e) => e.id));
    expect(window.map((e) => e.action)).to.include.members(['instance.started', 'task.claimed']);
    expect(window.map((e) => e.action)).to.not.include('process.deployed');
    expect((await audit('?actor=nobody')).entries).to.deep.equal([]);
  });

  it('rejects a cursor it did not give out and bad dates with 400', async () => {
    for (const query of ['?cursor=garbage', '?from=yesterday', '?limit=0']) {
      const res = await server.as<{ error: { code: string } }>('admin', 'GET', `/api/audit${query}`);
      expect(res.status, query).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    }
  });

  it('has no route that writes, changes or deletes audit entries', async () => {
    const writers = server.running.karvon.routes.filter((r) => r.path.startsWith('/api/audit') && r.method !== 'get');
    expect(writers).to.deep.equal([]);
    const before = (await audit('?limit=1000')).entries;
    const id = before[0]!.id;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/api/audit', `/api/audit/${id}`]) {
        const res = await server.as('admin', method, path, { body: { action: 'forged', actor: 'mallory' } });
        expect(res.status, `${method} ${path}`).to.equal(404);
      }
    }
    const after = (await audit('?limit=1000')).entries;
    expect(after.filter((e) => e.action === 'forged' || e.actor === 'mallory')).to.deep.equal([]);
    // The reads above are not actions: nothing was added.
    expect(after.map((e) => e.id)).to.deep.equal(before.map((e) => e.id));
  });

  it('keeps an action that succeeded when its audit write fails, and logs the entry instead', async () => {
    const store = server.running.store;
    const append = store.appendAuditEntry.bind(store);
    store.appendAuditEntry = async () => {
      throw new Error('disk full');
    };
    try {
      const started = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'review' } });
      expect(started.status).to.equal(201);
      expect((await server.as('admin', 'GET', `/api/process-instances/${started.body.id}`)).status).to.equal(200);
      const line = logs.lines.map((l) => JSON.parse(l) as { msg: string; audit?: AuditEntry }).find((l) => l.msg === 'audit write failed' && l.audit?.targets.includes(started.body.id));
      expect(line?.audit).to.deep.include({ actor: 'aziz', action: 'instance.started' });
      const metrics = await server.call('GET', '/metrics');
      expect(metrics.text).to.match(/^karvon_audit_write_failures_total 1$/m);
    } finally {
      store.appendAuditEntry = append;
    }
  });
});
