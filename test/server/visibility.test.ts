// Read-your-writes in the inbox: once a command's HTTP response has arrived, the very next
// GET /api/tasks shows its effect, on whichever store the suite runs. No timing is asserted,
// only order: response first, then a read that must already see the change. The live stream
// delivers the same changes, each event carrying the task as it was committed.

import { expect } from 'chai';
import { SseReader } from '../../server/bench/sse-reader.ts';
import { diagram, TestServer } from './helpers.ts';

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

interface Task {
  id: string;
  processInstanceId: string;
  assignee: string | null;
  state: string;
}

interface TaskEvent {
  type: string;
  taskId?: string;
  processInstanceId?: string;
  task?: Task;
}

const WORKERS = 4;
const ROUNDS = 6;

describe('server: inbox read-your-writes', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    const users = Array.from({ length: WORKERS }, (_, i) => ({ username: `clerk${i}`, roles: ['employee'], groups: ['sales'] }));
    await server.createUsers([{ username: 'anna', roles: ['analyst'] }, ...users]);
    const res = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'a.bpmn', content: APPROVE }] } });
    expect(res.status, res.text).to.equal(201);
  });
  after(() => server.close());

  it('shows every start, claim and completion in the next task list, with clerks working at once', async () => {
    const stream = await SseReader.open(`${server.url}/api/events`, { authorization: `Bearer ${await server.login('clerk0')}` });
    const instances: string[] = [];
    try {
      await stream.next((f) => f.event === 'ready');
      const tasks = (user: string, query = '') => server.as<Task[]>(user, 'GET', `/api/tasks${query}`).then((r) => r.body);

      // Several clerks at once, so commits share group commits and interleave with reads.
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          const me = `clerk${w}`;
          for (let round = 0; round < ROUNDS; round++) {
            const started = await server.as<{ id: string }>(me, 'POST', '/api/process-instances', { body: { processKey: 'approve' } });
            expect(started.status, started.text).to.equal(201);
            const pi = started.body.id;
            instances.push(pi);

            const visible = (await tasks(me)).find((t) => t.processInstanceId === pi);
            expect(visible, `task of ${pi} in the list right after the start answered`).to.not.equal(undefined);

            expect((await server.as(me, 'POST', `/api/tasks/${visible!.id}/claim`)).status).to.equal(200);
            const mine = await tasks(me, '?assignee=me');
            expect(mine.find((t) => t.id === visible!.id)?.assignee, 'claim visible in the next read').to.equal(me);

            expect((await server.as(me, 'POST', `/api/tasks/${visible!.id}/complete`, { body: {} })).status).to.equal(200);
            expect((await tasks(me)).map((t) => t.id), 'completed task gone from the open list').to.not.include(visible!.id);
            const done = await tasks(me, `?state=completed&processInstanceId=${pi}`);
            expect(done.map((t) => t.id)).to.deep.equal([visible!.id]);
          }
        }),
      );

      // The stream saw each task open and then complete, in that order, the completion
      // carrying the completed task.
      for (const pi of instances) {
        const ofPi = (type: string) => (f: { event: string; data: unknown }) =>
          f.event === type && (f.data as TaskEvent).processInstanceId === pi;
        const created = await stream.next(ofPi('task.created'));
        const completed = await stream.next(ofPi('task.completed'), created.index + 1);
        expect((completed.frame.data as TaskEvent).task?.state).to.equal('completed');
      }
    } finally {
      stream.close();
    }
    expect(instances).to.have.length(WORKERS * ROUNDS);
  });
});
