// Conditional events through the real server: variables set over the API, by a job result, by a
// completed task and by a correlated message fire boundary, intermediate (also after an
// event-based gateway) and event sub-process conditional events; every scenario ends with nothing
// left in the store for its instance.

import { expect } from 'chai';
import { CAST, diagram, TestServer } from './helpers.ts';

interface Instance {
  id: string;
  state: string;
  activeElements: string[];
  variables: Record<string, unknown>;
}
interface Task {
  id: string;
  elementId: string;
  state: string;
}

const cond = (condition: string) =>
  `<bpmn:conditionalEventDefinition><bpmn:condition>${condition.replace(/>/g, '&gt;').replace(/</g, '&lt;')}</bpmn:condition></bpmn:conditionalEventDefinition>`;
const task = (id: string) =>
  `<bpmn:userTask id="${id}" name="${id}"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements></bpmn:userTask>`;
const flow = (id: string, from: string, to: string) => `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"/>`;

const DIAGRAMS = [
  diagram(
    'condBoundary',
    `<bpmn:startEvent id="s"/>${task('review')}<bpmn:endEvent id="e"/>
    <bpmn:boundaryEvent id="addressChanged" attachedToRef="review">${cond('=addressChanged = true')}</bpmn:boundaryEvent>
    ${task('applyChanges')}<bpmn:endEvent id="e2"/>
    ${flow('f0', 's', 'review')}${flow('f1', 'review', 'e')}${flow('f2', 'addressChanged', 'applyChanges')}${flow('f3', 'applyChanges', 'e2')}`,
  ),
  diagram(
    'condNonInterrupting',
    `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>
    <bpmn:serviceTask id="score"><bpmn:extensionElements><zeebe:taskDefinition type="test.cond.score"/></bpmn:extensionElements></bpmn:serviceTask>
    ${task('review')}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
    <bpmn:boundaryEvent id="risky" attachedToRef="review" cancelActivity="false">${cond('=risk > 5')}</bpmn:boundaryEvent>
    ${task('notify')}<bpmn:endEvent id="e3"/>
    ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'score')}${flow('f2', 'fork', 'review')}${flow('f3', 'score', 'e1')}${flow('f4', 'review', 'e2')}
    ${flow('f5', 'risky', 'notify')}${flow('f6', 'notify', 'e3')}`,
  ),
  diagram(
    'condCatch',
    `<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="stockReserved">${cond('=reserved')}</bpmn:intermediateCatchEvent>${task('pack')}<bpmn:endEvent id="e"/>
    ${flow('f0', 's', 'stockReserved')}${flow('f1', 'stockReserved', 'pack')}${flow('f2', 'pack', 'e')}`,
  ),
  diagram(
    'condEventSubProcess',
    `<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="Paid"/></bpmn:intermediateCatchEvent>${task('prepare')}<bpmn:endEvent id="e"/>
    ${flow('f0', 's', 'paid')}${flow('f1', 'paid', 'prepare')}${flow('f2', 'prepare', 'e')}
    <bpmn:subProcess id="onCancel" triggeredByEvent="true"><bpmn:startEvent id="canceled">${cond('=canceled = true')}</bpmn:startEvent>${task('refund')}<bpmn:endEvent id="ce"/>
      ${flow('c0', 'canceled', 'refund')}${flow('c1', 'refund', 'ce')}</bpmn:subProcess>`,
  ).replace('<bpmn:process', '<bpmn:message id="Paid" name="orderPaid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>\n  <bpmn:process'),
  diagram(
    'condGateway',
    `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="decide"/>
    <bpmn:intermediateCatchEvent id="creditApproved">${cond('=creditApproved = true')}</bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="wait7d"><bpmn:timerEventDefinition><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="canceled"><bpmn:messageEventDefinition messageRef="GwCanceled"/></bpmn:intermediateCatchEvent>
    ${task('ship')}${task('chase')}${task('refund')}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>
    ${flow('f0', 's', 'decide')}${flow('f1', 'decide', 'creditApproved')}${flow('f2', 'decide', 'wait7d')}${flow('f3', 'decide', 'canceled')}
    ${flow('f4', 'creditApproved', 'ship')}${flow('f5', 'wait7d', 'chase')}${flow('f6', 'canceled', 'refund')}
    ${flow('f7', 'ship', 'e1')}${flow('f8', 'chase', 'e2')}${flow('f9', 'refund', 'e3')}`,
  ).replace('<bpmn:process', '<bpmn:message id="GwCanceled" name="gatewayOrderCanceled"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>\n  <bpmn:process'),
];

describe('server: conditional events', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
    const res = await server.as('anna', 'POST', '/api/deployments', {
      body: { resources: DIAGRAMS.map((content, i) => ({ name: `cond-${i}.bpmn`, content })) },
    });
    expect(res.status, res.text).to.equal(201);
  });
  after(() => server.close());

  async function start(processKey: string, variables: Record<string, unknown>): Promise<string> {
    const res = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey, variables } });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async function openTasks(id: string): Promise<Task[]> {
    const res = await server.as<Task[]>('aziz', 'GET', `/api/tasks?processInstanceId=${id}`);
    expect(res.status).to.equal(200);
    return res.body.filter((t) => t.state === 'open');
  }

  async function completeAll(id: string, elementId: string): Promise<void> {
    for (const t of (await openTasks(id)).filter((x) => x.elementId === elementId)) {
      const res = await server.as('aziz', 'POST', `/api/tasks/${t.id}/complete`, { body: {} });
      expect(res.status, res.text).to.equal(200);
    }
  }

  async function setVariables(id: string, variables: Record<string, unknown>): Promise<Instance> {
    const res = await server.as<Instance>('anna', 'POST', `/api/process-instances/${id}/variables`, { body: { variables } });
    expect(res.status, res.text).to.equal(200);
    return res.body;
  }

  /** The instance completed and the store holds nothing open for it. */
  async function expectCleanEnd(id: string): Promise<void> {
    const store = server.running.store;
    const state = (await store.getInstance(id))!;
    expect(state.status).to.equal('completed');
    expect(state.conditions).to.equal(undefined);
    expect({ elements: state.elements, jobs: state.jobs, tasks: state.tasks, incidents: state.incidents, subscriptions: state.subscriptions ?? {}, timers: state.timers ?? {} }).to.deep.equal({
      elements: {},
      jobs: {},
      tasks: {},
      incidents: {},
      subscriptions: {},
      timers: {},
    });
    expect(await store.listTasks({ processInstanceId: id, state: 'open' })).to.deep.equal([]);
    expect(await store.listIncidents({ processInstanceId: id, state: 'open' })).to.deep.equal([]);
  }

  it('setting variables needs an analyst or admin and a variables object', async () => {
    const id = await start('condCatch', { reserved: false });
    expect((await server.as('aziz', 'POST', `/api/process-instances/${id}/variables`, { body: { variables: { reserved: true } } })).status).to.equal(403);
    expect((await server.call('POST', `/api/process-instances/${id}/variables`, { body: { variables: { reserved: true } } })).status).to.equal(401);
    expect((await server.as('anna', 'POST', `/api/process-instances/${id}/variables`, { body: { reserved: true } })).status).to.equal(400);
    expect((await server.as('anna', 'POST', '/api/process-instances/nope/variables', { body: { variables: {} } })).status).to.equal(404);
    await server.as('anna', 'POST', `/api/process-instances/${id}/cancel`);
    expect((await server.as('anna', 'POST', `/api/process-instances/${id}/variables`, { body: { variables: { reserved: true } } })).status).to.equal(409);
  });

  it('an interrupting boundary event fires when variables set over the API make it true', async () => {
    const id = await start('condBoundary', { addressChanged: false });
    expect((await setVariables(id, { note: 'unrelated' })).activeElements).to.deep.equal(['review']);
    const after = await setVariables(id, { addressChanged: true });
    expect(after.activeElements).to.deep.equal(['applyChanges']);
    expect((await openTasks(id)).map((t) => t.elementId)).to.deep.equal(['applyChanges']);
    await completeAll(id, 'applyChanges');
    await expectCleanEnd(id);
  });

  it('a non-interrupting boundary event fires from a job result and the task goes on', async () => {
    const id = await start('condNonInterrupting', { risk: 0 });
    const jobs = await server.as<{ id: string; processInstanceId: string }[]>('dev', 'POST', '/api/jobs/activate', {
      body: { type: 'test.cond.score', worker: 'w1', maxJobs: 10, lockMs: 60_000 },
    });
    const job = jobs.body.find((j) => j.processInstanceId === id)!;
    expect((await server.as('dev', 'POST', `/api/jobs/${job.id}/complete`, { body: { variables: { risk: 7 } } })).status).to.equal(200);
    expect((await openTasks(id)).map((t) => t.elementId).sort()).to.deep.equal(['notify', 'review']);
    await completeAll(id, 'notify');
    await completeAll(id, 'review');
    await expectCleanEnd(id);
  });

  it('an intermediate catch event waits until the condition is true', async () => {
    const id = await start('condCatch', { reserved: false });
    const waiting = await server.as<Instance>('aziz', 'GET', `/api/process-instances/${id}`);
    expect(waiting.body.activeElements).to.deep.equal(['stockReserved']);
    expect((await setVariables(id, { reserved: true })).activeElements).to.deep.equal(['pack']);
    await completeAll(id, 'pack');
    await expectCleanEnd(id);
  });

  it('an interrupting event sub-process fires from a correlated message\'s variables', async () => {
    const id = await start('condEventSubProcess', { orderId: 'O-77', canceled: false });
    const res = await server.as<{ correlated: string[] }>('dev', 'POST', '/api/messages', { body: { name: 'orderPaid', correlationKey: 'O-77', variables: { canceled: true } } });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.correlated).to.deep.equal([id]);
    const inst = await server.as<Instance>('aziz', 'GET', `/api/process-instances/${id}`);
    expect(inst.body.activeElements.sort()).to.deep.equal(['onCancel', 'refund']);
    expect((await openTasks(id)).map((t) => t.elementId)).to.deep.equal(['refund']);
    await completeAll(id, 'refund');
    await expectCleanEnd(id);
  });

  it('a conditional catch event after an event-based gateway wins over its timer and message; the losers leave nothing in the store', async () => {
    const id = await start('condGateway', { orderId: 'G-1', creditApproved: false });
    const store = server.running.store;
    const inAWeek = Date.now() + 8 * 24 * 3600_000;
    const timersOf = async () => (await store.dueTimers(inAWeek, 1000)).filter((t) => t.processInstanceId === id).map((t) => t.elementId);
    const waiting = await server.as<Instance>('aziz', 'GET', `/api/process-instances/${id}`);
    expect(waiting.body.activeElements).to.deep.equal(['decide']);
    expect(await timersOf()).to.deep.equal(['wait7d']);
    expect((await store.findSubscriptions('gatewayOrderCanceled', 'G-1')).map((s) => s.elementId)).to.deep.equal(['canceled']);
    expect((await setVariables(id, { note: 'unrelated' })).activeElements).to.deep.equal(['decide']);
    expect((await setVariables(id, { creditApproved: true })).activeElements).to.deep.equal(['ship']);
    expect(await timersOf()).to.deep.equal([]);
    expect(await store.findSubscriptions('gatewayOrderCanceled', 'G-1')).to.deep.equal([]);
    await completeAll(id, 'ship');
    await expectCleanEnd(id);
  });

  it('an event-based gateway followed by anything but a catch event is refused at deploy, naming the gateway', async () => {
    const res = await server.as<{ error: { details: { elementId?: string; message: string }[] } }>('anna', 'POST', '/api/deployments', {
      body: {
        resources: [
          {
            name: 'gw.bpmn',
            content: diagram(
              'condBadGateway',
              `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="decide"/><bpmn:intermediateCatchEvent id="ok">${cond('=ok')}</bpmn:intermediateCatchEvent>${task('t')}
              ${flow('f0', 's', 'decide')}${flow('f1', 'decide', 'ok')}${flow('f2', 'decide', 't')}`,
            ),
          },
        ],
      },
    });
    expect(res.status).to.equal(422);
    expect(res.body.error.details.filter((d) => d.elementId === 'decide').map((d) => d.message)).to.deep.equal([
      `'t' after it is not a message, timer, signal or conditional intermediate catch event`,
    ]);
  });

  it('an event after the gateway that another flow also reaches, or two events on the same condition, are refused at deploy with 422 naming the gateway', async () => {
    const res = await server.as<{ error: { details: { elementId?: string; message: string }[] } }>('anna', 'POST', '/api/deployments', {
      body: {
        resources: [
          {
            name: 'gw-incoming.bpmn',
            content: diagram(
              'condGatewayIncoming',
              `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:eventBasedGateway id="decide"/>
              <bpmn:intermediateCatchEvent id="ok">${cond('=ok')}</bpmn:intermediateCatchEvent><bpmn:intermediateCatchEvent id="ok2">${cond('=ok')}</bpmn:intermediateCatchEvent>
              ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'decide')}${flow('f2', 'fork', 'ok')}${flow('f3', 'decide', 'ok')}${flow('f4', 'decide', 'ok2')}`,
            ),
          },
        ],
      },
    });
    expect(res.status).to.equal(422);
    expect(res.body.error.details.filter((d) => d.elementId === 'decide').map((d) => d.message)).to.deep.equal([
      `'ok' after it has another incoming sequence flow 'f2'; only the gateway may lead to it`,
      `'ok' and 'ok2' after it both wait for the condition 'ok'`,
    ]);
  });

  it('a process-level conditional start event is refused at deploy, naming the element', async () => {
    const res = await server.as<{ error: { details: { elementId?: string; message: string }[] } }>('anna', 'POST', '/api/deployments', {
      body: { resources: [{ name: 'root.bpmn', content: diagram('condRoot', `<bpmn:startEvent id="whenReady">${cond('=ready')}</bpmn:startEvent>${task('t')}${flow('f0', 'whenReady', 't')}`) }] },
    });
    expect(res.status).to.equal(422);
    const detail = res.body.error.details.find((d) => d.elementId === 'whenReady');
    expect(detail?.message).to.equal('a conditional start event is only executed in an event sub-process; to start a process when data changes, publish a message to a message start event');
  });
});
