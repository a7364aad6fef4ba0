// The inbox flow end to end over HTTP: deploy, start, see, claim, complete, jobs, incidents,
// and the visibility rules on every step.

import { expect } from 'chai';
import { CAST, diagram, TestServer } from './helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; details: { path?: string; line?: number; column?: number; message: string }[] };
}
interface Task {
  id: string;
  name: string;
  elementId: string;
  processInstanceId: string;
  processKey: string;
  assignee: string | null;
  candidateGroups: string[];
  state: string;
}
interface Instance {
  id: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  state: string;
  activeElements: string[];
  variables: Record<string, unknown>;
}

const ORDER = diagram(
  'order',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="review" name="Review order">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:serviceTask id="ship" name="Ship">
    <bpmn:extensionElements><zeebe:taskDefinition type="test.ship" retries="2"/></bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:userTask id="pack" name="Pack goods">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="warehouse"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
  <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="ship"/>
  <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="pack"/>
  <bpmn:sequenceFlow id="f4" sourceRef="pack" targetRef="end"/>`,
  'Order',
);

describe('server: processes, instances and the inbox', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers([...CAST, { username: 'olga', roles: ['analyst'] }]);
    const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'order.bpmn', content: ORDER }] } });
    expect(res.status, res.text).to.equal(201);
  });
  after(() => server.close());

  async function start(businessKey: string, by = 'aziz'): Promise<string> {
    const res = await server.as<Instance>(by, 'POST', '/api/process-instances', {
      body: { processKey: 'order', businessKey, variables: { amount: 1200 } },
    });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async function taskOf(instanceId: string, elementId: string, as = 'admin'): Promise<Task> {
    const res = await server.as<Task[]>(as, 'GET', `/api/tasks?processInstanceId=${instanceId}`);
    const task = res.body.find((t) => t.elementId === elementId);
    if (!task) throw new Error(`no open ${elementId} task in ${instanceId}: ${res.text}`);
    return task;
  }

  describe('deployments and processes', () => {
    it('redeploying an identical diagram answers 200 with the existing version', async () => {
      const res = await server.as<{ deploymentId: string; processes: unknown[] }>('anna', 'POST', '/api/deployments', {
        body: { resources: [{ name: 'order.bpmn', content: ORDER }] },
      });
      expect(res.status).to.equal(200);
      expect(res.body.processes).to.deep.equal([{ key: 'order', version: 1, name: 'Order' }]);
      expect(res.body).to.have.property('deploymentId').that.is.a('string');
    });

    it('a changed diagram becomes version 2', async () => {
      const changed = ORDER.replace('name="Order"', 'name="Order v2"');
      const res = await server.as<{ processes: unknown[] }>('admin', 'POST', '/api/deployments', {
        body: { resources: [{ name: 'order.bpmn', content: changed }] },
      });
      expect(res.status).to.equal(201);
      expect(res.body.processes).to.deep.equal([{ key: 'order', version: 2, name: 'Order v2' }]);
      const detail = await server.as<{ version: number; versions: { version: number; deployedBy: string }[] }>('aziz', 'GET', '/api/processes/order');
      expect(detail.body.version).to.equal(2);
      expect(detail.body.versions.map((v) => [v.version, v.deployedBy])).to.have.deep.members([[1, 'anna'], [2, 'admin']]);
    });

    it('lists processes and serves the XML of a version', async () => {
      const list = await server.as('aziz', 'GET', '/api/processes');
      expect(list.body).to.deep.include({ key: 'order', version: 2, name: 'Order v2' });
      const xml = await server.as('aziz', 'GET', '/api/processes/order/xml?version=1');
      expect(xml.status).to.equal(200);
      expect(xml.headers.get('content-type')).to.match(/^application\/xml/);
      expect(xml.text).to.equal(ORDER);
    });

    it('rejects malformed XML with 400 and a line number', async () => {
      const res = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', {
        body: { resources: [{ name: 'bad.bpmn', content: '<bpmn:definitions>\n<oops' }] },
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.length).to.be.greaterThan(0);
    });

    it('rejects elements Karvon does not execute with 422 listing them', async () => {
      const xml = diagram('odd', `<bpmn:startEvent id="s"/><bpmn:complexGateway id="cg"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="cg"/>`);
      const res = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'odd.bpmn', content: xml }] } });
      expect(res.status).to.equal(422);
      expect(JSON.stringify(res.body.error.details)).to.include('cg');
    });
  });

  describe('the inbox', () => {
    it('offers a sales task to sales employees only', async () => {
      const id = await start('ORDER-1');
      const azizTasks = await server.as<Task[]>('aziz', 'GET', '/api/tasks');
      const review = azizTasks.body.find((t) => t.processInstanceId === id);
      expect(review).to.include({ name: 'Review order', elementId: 'review', processKey: 'order', assignee: null });
      expect(review!.candidateGroups).to.deep.equal(['sales']);
      const groupList = await server.as<Task[]>('dilnoza', 'GET', '/api/tasks?candidateGroup=sales');
      expect(groupList.body.map((t) => t.id)).to.include(review!.id);

      const timurTasks = await server.as<Task[]>('timur', 'GET', '/api/tasks');
      expect(timurTasks.body.map((t) => t.processInstanceId)).not.to.include(id);
      for (const [method, path] of [
        ['GET', `/api/tasks/${review!.id}`],
        ['POST', `/api/tasks/${review!.id}/claim`],
        ['POST', `/api/tasks/${review!.id}/complete`],
        ['GET', `/api/process-instances/${id}`],
        ['GET', `/api/process-instances/${id}/history`],
      ] as const) {
        const res = await server.as<ErrorBody>('timur', method, path);
        expect(res.status, `${method} ${path}`).to.equal(403);
        expect(res.body.error.code).to.equal('FORBIDDEN');
      }
    });

    it('task detail carries variables and form; the employee reads the instance they work on', async () => {
      const id = await start('ORDER-2');
      const task = await taskOf(id, 'review');
      const detail = await server.as<{ variables: Record<string, unknown>; form: unknown }>('aziz', 'GET', `/api/tasks/${task.id}`);
      expect(detail.status).to.equal(200);
      expect(detail.body.variables).to.deep.equal({ amount: 1200 });
      expect(detail.body).to.have.property('form', null);
      const instance = await server.as<Instance>('aziz', 'GET', `/api/process-instances/${id}`);
      expect(instance.status).to.equal(200);
      expect(instance.body).to.include({ id, processKey: 'order', version: 2, businessKey: 'ORDER-2', state: 'active' });
      expect(instance.body.activeElements).to.deep.equal(['review']);
      const mine = await server.as<Instance[]>('aziz', 'GET', '/api/process-instances?businessKey=ORDER-2');
      expect(mine.body.map((i) => i.id)).to.deep.equal([id]);
      const timurs = await server.as<Instance[]>('timur', 'GET', '/api/process-instances?processKey=order');
      expect(timurs.body.map((i) => i.id)).not.to.include(id);
    });

    it('"my cases": an employee reads an instance they started even with no task in it', async () => {
      const id = await start('ORDER-TIMUR', 'timur');
      const instance = await server.as<Instance & { startedBy: string | null }>('timur', 'GET', `/api/process-instances/${id}`);
      expect(instance.status, instance.text).to.equal(200);
      expect(instance.body.startedBy).to.equal('timur');
      expect((await server.as('timur', 'GET', `/api/process-instances/${id}/history`)).status).to.equal(200);
      const started = await server.as<Instance[]>('timur', 'GET', '/api/process-instances?startedBy=me');
      expect(started.body.map((i) => i.id)).to.deep.equal([id]);
      const listed = await server.as<Instance[]>('timur', 'GET', '/api/process-instances?processKey=order');
      expect(listed.body.map((i) => i.id)).to.include(id);
      expect((await server.as('dilnoza', 'GET', '/api/process-instances?startedBy=timur')).body).to.deep.equal([]);
      const other = await server.as<Instance[]>('anna', 'GET', '/api/process-instances?startedBy=timur');
      expect(other.body.map((i) => i.id)).to.deep.equal([id]);
    });

    it('claim, complete, job, next task for the warehouse, and a completed instance with history', async () => {
      const id = await start('ORDER-3');
      const review = await taskOf(id, 'review');

      const claimed = await server.as<Task>('aziz', 'POST', `/api/tasks/${review.id}/claim`);
      expect(claimed.status).to.equal(200);
      expect(claimed.body.assignee).to.equal('aziz');
      const mine = await server.as<Task[]>('aziz', 'GET', '/api/tasks?assignee=me');
      expect(mine.body.map((t) => t.id)).to.include(review.id);

      // Someone else in the group: cannot claim (409) nor complete (403) aziz's task.
      expect((await server.as('dilnoza', 'POST', `/api/tasks/${review.id}/claim`)).status).to.equal(409);
      expect((await server.as('dilnoza', 'POST', `/api/tasks/${review.id}/complete`, { body: {} })).status).to.equal(403);
      expect((await server.as('dilnoza', 'POST', `/api/tasks/${review.id}/unclaim`)).status).to.equal(403);

      const done = await server.as('aziz', 'POST', `/api/tasks/${review.id}/complete`, { body: { variables: { approved: true } } });
      expect(done.status, done.text).to.equal(200);

      const jobs = await server.as<{ id: string; type: string; processInstanceId: string; variables: Record<string, unknown>; retries: number }[]>(
        'dev',
        'POST',
        '/api/jobs/activate',
        { body: { type: 'test.ship', worker: 'w1', maxJobs: 5, lockMs: 60_000 } },
      );
      expect(jobs.status).to.equal(200);
      const job = jobs.body.find((j) => j.processInstanceId === id)!;
      expect(job).to.include({ type: 'test.ship', retries: 2 });
      expect(job.variables).to.deep.equal({ amount: 1200, approved: true });
      // Leased: a second worker gets nothing for this instance.
      const again = await server.as<{ processInstanceId: string }[]>('dev', 'POST', '/api/jobs/activate', { body: { type: 'test.ship', worker: 'w2' } });
      expect(again.body.map((j) => j.processInstanceId)).not.to.include(id);
      expect((await server.as('dev', 'POST', `/api/jobs/${job.id}/complete`, { body: { variables: { trackingId: 'T-1' } } })).status).to.equal(200);

      const pack = await taskOf(id, 'pack', 'timur');
      expect(pack.candidateGroups).to.deep.equal(['warehouse']);
      expect((await server.as('timur', 'POST', `/api/tasks/${pack.id}/complete`, { body: {} })).status).to.equal(200);

      const instance = await server.as<Instance>('aziz', 'GET', `/api/process-instances/${id}`);
      expect(instance.body.state).to.equal('completed');
      expect(instance.body.variables).to.deep.equal({ amount: 1200, approved: true, trackingId: 'T-1' });
      const history = await server.as<{ elementId: string; elementType: string; event: string }[]>('aziz', 'GET', `/api/process-instances/${id}/history`);
      expect(history.body.filter((h) => h.event === 'taken').map((h) => h.elementId)).to.deep.equal(['f1', 'f2', 'f3', 'f4']);
      expect(history.body.find((h) => h.elementId === 'f1')).to.include({ elementType: 'sequenceFlow' });
      const completed = await server.as<Task[]>('aziz', 'GET', `/api/tasks?state=completed&processInstanceId=${id}`);
      expect(completed.body.map((t) => t.elementId)).to.deep.equal(['review']);
    });

    it('two parallel completions: exactly one 200 and one 409 naming who completed it', async () => {
      const id = await start('ORDER-4');
      const review = await taskOf(id, 'review');
      const [a, b] = await Promise.all([
        server.as<ErrorBody>('aziz', 'POST', `/api/tasks/${review.id}/complete`, { body: { variables: { by: 'aziz' } } }),
        server.as<ErrorBody>('dilnoza', 'POST', `/api/tasks/${review.id}/complete`, { body: { variables: { by: 'dilnoza' } } }),
      ]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
      const loser = a.status === 409 ? a : b;
      const winner = a.status === 200 ? 'aziz' : 'dilnoza';
      expect(loser.body.error.code).to.equal('CONFLICT');
      expect(loser.body.error.message).to.include(winner);
    });

    it('assign: admin, or the analyst who deployed the process; the assignee must exist', async () => {
      const id = await start('ORDER-5');
      const review = await taskOf(id, 'review');
      const byAnna = await server.as<Task>('anna', 'POST', `/api/tasks/${review.id}/assign`, { body: { assignee: 'dilnoza' } });
      expect(byAnna.status, byAnna.text).to.equal(200);
      expect(byAnna.body.assignee).to.equal('dilnoza');
      expect((await server.as('olga', 'POST', `/api/tasks/${review.id}/assign`, { body: { assignee: 'aziz' } })).status).to.equal(403);
      const unknown = await server.as<ErrorBody>('admin', 'POST', `/api/tasks/${review.id}/assign`, { body: { assignee: 'ghost' } });
      expect(unknown.status).to.equal(400);
      expect(unknown.body.error.details.map((d) => d.path)).to.deep.equal(['/body/assignee']);
      const unassigned = await server.as<Task>('admin', 'POST', `/api/tasks/${review.id}/assign`, { body: { assignee: null } });
      expect(unassigned.body.assignee).to.equal(null);
      // Claim then unclaim gives it back to the group.
      expect((await server.as<Task>('aziz', 'POST', `/api/tasks/${review.id}/claim`)).body.assignee).to.equal('aziz');
      expect((await server.as<Task>('aziz', 'POST', `/api/tasks/${review.id}/unclaim`)).body.assignee).to.equal(null);
    });

    it('cancel ends an instance; cancelling again is a conflict', async () => {
      const id = await start('ORDER-6');
      const res = await server.as<Instance>('anna', 'POST', `/api/process-instances/${id}/cancel`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id, state: 'canceled' });
      expect((await server.as('anna', 'POST', `/api/process-instances/${id}/cancel`)).status).to.equal(409);
      const list = await server.as<Instance[]>('anna', 'GET', '/api/process-instances?state=canceled');
      expect(list.body.map((i) => i.id)).to.include(id);
    });
  });

  describe('jobs and incidents', () => {
    async function shipJob(businessKey: string): Promise<{ instanceId: string; jobId: string }> {
      const instanceId = await start(businessKey);
      const review = await taskOf(instanceId, 'review');
      await server.as('aziz', 'POST', `/api/tasks/${review.id}/complete`, { body: {} });
      const jobs = await server.as<{ id: string; processInstanceId: string }[]>('dev', 'POST', '/api/jobs/activate', {
        body: { type: 'test.ship', worker: 'w', maxJobs: 100, lockMs: 60_000 },
      });
      return { instanceId, jobId: jobs.body.find((j) => j.processInstanceId === instanceId)!.id };
    }

    it('a failure without retries becomes an incident; resolving makes the job available again', async () => {
      const { instanceId, jobId } = await shipJob('ORDER-7');
      const fail = await server.as('dev', 'POST', `/api/jobs/${jobId}/fail`, { body: { errorMessage: 'ERP down', retries: 0 } });
      expect(fail.status, fail.text).to.equal(200);
      const open = await server.as<{ id: string; elementId: string; message: string; processInstanceId: string }[]>(
        'admin',
        'GET',
        `/api/incidents?state=open&processInstanceId=${instanceId}`,
      );
      expect(open.body).to.have.length(1);
      expect(open.body[0]).to.include({ elementId: 'ship', message: 'ERP down', processInstanceId: instanceId });
      const instance = await server.as<{ incidents: unknown[] }>('anna', 'GET', `/api/process-instances/${instanceId}`);
      expect(instance.body.incidents).to.have.length(1);

      expect((await server.as('admin', 'POST', `/api/incidents/${open.body[0]!.id}/resolve`)).status).to.equal(200);
      expect((await server.as('admin', 'POST', `/api/incidents/${open.body[0]!.id}/resolve`)).status).to.equal(409);
      const after = await server.as<unknown[]>('admin', 'GET', `/api/incidents?processInstanceId=${instanceId}`);
      expect(after.body).to.deep.equal([]);
      const jobs = await server.as<{ processInstanceId: string }[]>('dev', 'POST', '/api/jobs/activate', { body: { type: 'test.ship', worker: 'w' } });
      expect(jobs.body.map((j) => j.processInstanceId)).to.include(instanceId);
    });

    it('an unknown job is 404', async () => {
      const res = await server.as<ErrorBody>('dev', 'POST', '/api/jobs/nope/complete', { body: {} });
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    });

    it('a thrown BPMN error is accepted', async () => {
      const { jobId } = await shipJob('ORDER-8');
      const res = await server.as('dev', 'POST', `/api/jobs/${jobId}/error`, { body: { errorCode: 'NO_STOCK', errorMessage: 'none left' } });
      expect(res.status, res.text).to.equal(200);
    });
  });

  describe('metrics', () => {
    it('exposes commands, latency, open tasks, incidents and queue depth', async () => {
      const res = await server.call('GET', '/metrics');
      expect(res.status).to.equal(200);
      for (const name of [
        'karvon_commands_total',
        'karvon_command_duration_seconds_bucket',
        'karvon_open_tasks',
        'karvon_open_incidents',
        'karvon_job_queue_depth',
        'karvon_http_request_duration_seconds_bucket',
      ]) {
        expect(res.text).to.include(name);
      }
      expect(res.text).to.match(/karvon_commands_total\{command="completeTask",outcome="ok"\} \d+/);
    });
  });
});
