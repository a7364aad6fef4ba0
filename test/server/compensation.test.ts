// Compensation end to end over HTTP: a saga that undoes what it did when shipping fails, a
// compensation end event with activityRef cancelled while its handler runs, and the deploy-time
// problems. Every scenario ends with nothing open: no tasks, no jobs, no incidents.

import { expect } from 'chai';
import { CAST, diagram, TestServer } from './helpers.ts';

interface Instance {
  id: string;
  state: string;
  activeElements: string[];
  variables: Record<string, unknown>;
}
interface Job {
  id: string;
  elementId: string;
  variables: Record<string, unknown>;
}
interface Task {
  id: string;
  elementId: string;
}
interface HistoryRow {
  elementId: string;
  event: string;
}
interface ErrorBody {
  error: { code: string; details: Array<Record<string, unknown>> };
}

const job = (id: string, type: string, attrs = '', ext = '') =>
  `<bpmn:serviceTask id="${id}" ${attrs}><bpmn:extensionElements><zeebe:taskDefinition type="${type}"/>${ext}</bpmn:extensionElements></bpmn:serviceTask>`;
const flow = (id: string, from: string, to: string) => `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"/>`;
const compensation = (activity: string, handler: string) =>
  `<bpmn:boundaryEvent id="cb-${activity}" attachedToRef="${activity}"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
   <bpmn:association id="as-${activity}" sourceRef="cb-${activity}" targetRef="${handler}"/>`;

const SAGA = diagram(
  'saga',
  `<bpmn:startEvent id="start"/>
  ${job('reserve', 'saga.reserve', '', '<zeebe:ioMapping><zeebe:input source="=sku" target="reservedSku"/></zeebe:ioMapping>')}
  <bpmn:userTask id="release" name="Release reserved stock" isForCompensation="true">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="warehouse"/></bpmn:extensionElements>
  </bpmn:userTask>
  ${compensation('reserve', 'release')}
  ${job('charge', 'saga.charge')}
  ${job('refund', 'saga.refund', 'isForCompensation="true"')}
  ${compensation('charge', 'refund')}
  ${job('ship', 'saga.ship')}
  <bpmn:boundaryEvent id="noTruck" attachedToRef="ship"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>
  <bpmn:intermediateThrowEvent id="undoAll"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
  <bpmn:endEvent id="shipped"/><bpmn:endEvent id="rolledBack"/>
  ${flow('f1', 'start', 'reserve')}${flow('f2', 'reserve', 'charge')}${flow('f3', 'charge', 'ship')}${flow('f4', 'ship', 'shipped')}
  ${flow('f5', 'noTruck', 'undoAll')}${flow('f6', 'undoAll', 'rolledBack')}`,
  'Saga',
);

const UNDO_ONE = diagram(
  'undoone',
  `<bpmn:startEvent id="start"/>
  ${job('a', 'one.a')}${job('undoA', 'one.undoA', 'isForCompensation="true"')}${compensation('a', 'undoA')}
  ${job('b', 'one.b')}${job('undoB', 'one.undoB', 'isForCompensation="true"')}${compensation('b', 'undoB')}
  <bpmn:endEvent id="undoA-end"><bpmn:compensateEventDefinition activityRef="a"/></bpmn:endEvent>
  ${flow('f1', 'start', 'a')}${flow('f2', 'a', 'b')}${flow('f3', 'b', 'undoA-end')}`,
  'Undo one',
);

describe('server: compensation', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
    const res = await server.as('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'saga.bpmn', content: SAGA }, { name: 'undoone.bpmn', content: UNDO_ONE }] },
    });
    expect(res.status, res.text).to.equal(201);
  });
  after(() => server.close());

  const activate = async (type: string): Promise<Job[]> => {
    const res = await server.as<Job[]>('dev', 'POST', '/api/jobs/activate', { body: { type, worker: 'w', maxJobs: 5, lockMs: 60_000 } });
    expect(res.status, res.text).to.equal(200);
    return res.body;
  };
  const complete = async (type: string, variables: Record<string, unknown> = {}): Promise<Job> => {
    const [j] = await activate(type);
    expect(j, `a ${type} job`).to.not.equal(undefined);
    const res = await server.as('dev', 'POST', `/api/jobs/${j!.id}/complete`, { body: { variables } });
    expect(res.status, res.text).to.equal(200);
    return j!;
  };
  const instance = async (id: string) => (await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`)).body;
  const expectNothingOpen = async (id: string, jobTypes: string[]) => {
    expect((await server.as<Task[]>('admin', 'GET', `/api/tasks?state=open&processInstanceId=${id}`)).body).to.deep.equal([]);
    expect((await server.as<unknown[]>('admin', 'GET', `/api/incidents?state=open&processInstanceId=${id}`)).body).to.deep.equal([]);
    for (const type of jobTypes) expect(await activate(type), type).to.deep.equal([]);
  };

  it('a failed shipment undoes the charge (a job) and the reservation (a user task), then ends', async () => {
    const started = await server.as<Instance>('anna', 'POST', '/api/process-instances', { body: { processKey: 'saga', variables: { sku: 'TEA-1' } } });
    expect(started.status, started.text).to.equal(201);
    const id = started.body.id;
    await complete('saga.reserve');
    await complete('saga.charge', { charged: 120 });
    const [ship] = await activate('saga.ship');
    expect((await server.as('dev', 'POST', `/api/jobs/${ship!.id}/error`, { body: { errorCode: 'NO_TRUCK' } })).status).to.equal(200);

    const waiting = await instance(id);
    expect(waiting.state).to.equal('active');
    expect(waiting.activeElements.sort()).to.deep.equal(['refund', 'release', 'undoAll']);

    const refund = await complete('saga.refund');
    expect(refund.elementId).to.equal('refund');
    expect(refund.variables.charged).to.equal(120);
    expect((await instance(id)).activeElements.sort()).to.deep.equal(['release', 'undoAll']);

    const tasks = (await server.as<Task[]>('timur', 'GET', `/api/tasks?state=open&processInstanceId=${id}`)).body;
    expect(tasks.map((t) => t.elementId)).to.deep.equal(['release']);
    const detail = await server.as<{ variables: Record<string, unknown> }>('timur', 'GET', `/api/tasks/${tasks[0]!.id}`);
    // the handler starts with the local variables its activity had when it completed
    expect(detail.body.variables.reservedSku).to.equal('TEA-1');
    expect((await server.as('timur', 'POST', `/api/tasks/${tasks[0]!.id}/complete`, { body: {} })).status).to.equal(200);

    const done = await instance(id);
    expect(done.state).to.equal('completed');
    const history = (await server.as<HistoryRow[]>('anna', 'GET', `/api/process-instances/${id}/history`)).body;
    const activated = history.filter((h) => h.event === 'activated').map((h) => h.elementId);
    // latest completion first
    expect(activated.slice(activated.indexOf('undoAll'))).to.deep.equal(['undoAll', 'refund', 'release', 'rolledBack']);
    await expectNothingOpen(id, ['saga.reserve', 'saga.charge', 'saga.ship', 'saga.refund']);
  });

  it('a compensation end event with activityRef runs only that handler; cancelling meanwhile leaves nothing open', async () => {
    const started = await server.as<Instance>('anna', 'POST', '/api/process-instances', { body: { processKey: 'undoone' } });
    const id = started.body.id;
    await complete('one.a');
    await complete('one.b');
    expect((await instance(id)).activeElements.sort()).to.deep.equal(['undoA', 'undoA-end']);
    expect(await activate('one.undoB')).to.deep.equal([]);
    expect((await server.as('anna', 'POST', `/api/process-instances/${id}/cancel`)).status).to.equal(200);
    const after = await instance(id);
    expect([after.state, after.activeElements]).to.deep.equal(['canceled', []]);
    const history = (await server.as<HistoryRow[]>('anna', 'GET', `/api/process-instances/${id}/history`)).body;
    expect(history.filter((h) => h.event === 'terminated').map((h) => h.elementId)).to.include.members(['undoA', 'undoA-end']);
    await expectNothingOpen(id, ['one.a', 'one.b', 'one.undoA', 'one.undoB']);
  });

  it('rejects a diagram whose compensation is incomplete, naming each element', async () => {
    const broken = diagram(
      'broken',
      `<bpmn:startEvent id="start"/>${job('a', 'x.a')}<bpmn:boundaryEvent id="cb" attachedToRef="a"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
      ${job('orphan', 'x.undo', 'isForCompensation="true"')}
      <bpmn:endEvent id="end"><bpmn:compensateEventDefinition activityRef="start"/></bpmn:endEvent>
      ${flow('f1', 'start', 'a')}${flow('f2', 'a', 'end')}`,
    );
    const res = await server.as<ErrorBody>('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'broken.bpmn', content: broken }] } });
    expect(res.status, res.text).to.equal(422);
    const details = JSON.stringify(res.body.error.details);
    for (const id of ['cb', 'orphan', 'end']) expect(details).to.include(`"${id}"`);
    expect(details).to.include('no association to a compensation handler');
    expect(details).to.include('not associated with any compensation boundary event');
    expect(details).to.include("activityRef 'start'");
  });
});
