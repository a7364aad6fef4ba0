import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { openSqliteStore } from '../../engine/store/sqlite.ts';
import { bpmn, compile, flow, serviceTask, userTask } from './harness.ts';

const errors = '<bpmn:error id="NoCredit" errorCode="CREDIT_REFUSED"/>';
const parent = (called: string, attrs = '', io = '') => bpmn('order', `<bpmn:startEvent id="s"/>
  <bpmn:callActivity id="check"><bpmn:extensionElements><zeebe:calledElement processId="${called}" ${attrs}/>${io}</bpmn:extensionElements></bpmn:callActivity>
  <bpmn:boundaryEvent id="refused" attachedToRef="check"><bpmn:errorEventDefinition errorRef="NoCredit"/></bpmn:boundaryEvent>
  ${userTask('ship')}${userTask('review')}
  ${flow('f0', 's', 'check')}${flow('f1', 'check', 'ship')}${flow('f2', 'refused', 'review')}`, errors);
const credit = bpmn('credit', `<bpmn:startEvent id="s"/>${serviceTask('score', 'credit.score')}<bpmn:exclusiveGateway id="g" default="ok"/>
  <bpmn:endEvent id="no"><bpmn:errorEventDefinition errorRef="NoCredit"/></bpmn:endEvent><bpmn:endEvent id="yes"/>
  ${flow('a0', 's', 'score')}${flow('a1', 'score', 'g')}${flow('bad', 'g', 'no', '=score < 50')}${flow('ok', 'g', 'yes')}`, errors);

describe('call activity', () => {
  let dir: string;
  let engine: Engine;
  beforeEach(async () => {
    dir = join(tmpdir(), `karvon-call-${randomUUID()}`);
    engine = await Engine.open({ store: await openSqliteStore({ file: join(dir, 'k.db') }), clock: new ManualClock() });
    await engine.deploy([{ name: 'credit.bpmn', content: credit }]);
  });
  afterEach(async () => {
    await engine.close();
    await engine.store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function childOf(parentId: string) {
    const state = await engine.getInstanceState(parentId);
    const call = Object.values(state!.elements).find((e) => e.child);
    return call!.child!;
  }

  async function finishScore(childId: string, score: number) {
    const [job] = await engine.activateJobs({ type: 'credit.score', worker: 't', maxJobs: 1, lockMs: 1000 });
    expect(job.processInstanceId).to.equal(childId);
    await engine.completeJob(job.id, { score });
    await engine.settle();
  }

  it('starts the called process with the parent variables and takes all child variables back', async () => {
    await engine.deploy([{ name: 'order.bpmn', content: parent('credit') }]);
    const pi = await engine.startInstance({ processKey: 'order', variables: { customer: 'c-1' } });
    await engine.settle();
    const childId = await childOf(pi.id);
    expect((await engine.getInstance(childId)).variables).to.deep.equal({ customer: 'c-1' });
    await finishScore(childId, 80);
    const view = await engine.getInstance(pi.id);
    expect(view.activeElements).to.deep.equal(['ship']);
    expect(view.variables).to.deep.equal({ customer: 'c-1', score: 80 });
  });

  it('with propagation off, only the mappings cross over', async () => {
    await engine.deploy([{ name: 'order.bpmn', content: parent('credit', 'propagateAllChildVariables="false"', '<zeebe:ioMapping><zeebe:output source="=score" target="creditScore"/></zeebe:ioMapping>') }]);
    const pi = await engine.startInstance({ processKey: 'order', variables: { customer: 'c-1' } });
    await engine.settle();
    await finishScore(await childOf(pi.id), 70);
    expect((await engine.getInstance(pi.id)).variables).to.deep.equal({ customer: 'c-1', creditScore: 70 });
  });

  it('an error the child does not catch is caught on the call activity; the child ends terminated', async () => {
    await engine.deploy([{ name: 'order.bpmn', content: parent('credit') }]);
    const pi = await engine.startInstance({ processKey: 'order' });
    await engine.settle();
    const childId = await childOf(pi.id);
    await finishScore(childId, 10);
    expect((await engine.getInstance(pi.id)).activeElements).to.deep.equal(['review']);
    expect((await engine.getInstance(childId)).state).to.equal('terminated');
  });

  it('canceling the parent cancels the child; a missing process is an incident on the parent', async () => {
    await engine.deploy([{ name: 'order.bpmn', content: parent('credit') }]);
    const pi = await engine.startInstance({ processKey: 'order' });
    await engine.settle();
    const childId = await childOf(pi.id);
    await engine.cancelInstance(pi.id);
    await engine.settle();
    expect((await engine.getInstance(childId)).state).to.equal('canceled');

    await engine.deploy([{ name: 'o2.bpmn', content: parent('nowhere').replace('id="order"', 'id="order2"') }]);
    const lost = await engine.startInstance({ processKey: 'order2' });
    await engine.settle();
    const [incident] = (await engine.getInstance(lost.id)).incidents;
    expect(incident).to.include({ type: 'CALLED_ELEMENT_ERROR', elementId: 'check', message: `called process 'nowhere' is not deployed` });
  });

  it('child incidents show on the parent', async () => {
    await engine.deploy([{ name: 'order.bpmn', content: parent('credit') }]);
    const pi = await engine.startInstance({ processKey: 'order' });
    await engine.settle();
    const [job] = await engine.activateJobs({ type: 'credit.score', worker: 't', maxJobs: 1, lockMs: 1000 });
    await engine.failJob(job.id, { errorMessage: 'scoring service down', retries: 0 });
    const incidents = (await engine.getInstance(pi.id)).incidents;
    expect(incidents.map((i) => [i.processInstanceId, i.message])).to.deep.equal([[await childOf(pi.id), 'scoring service down']]);
  });

  it('rejects a call activity without processId', async () => {
    const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:callActivity id="c"/>${flow('f', 's', 'c')}`));
    expect(problems.map((p) => p.message)).to.deep.equal(['call activity has no zeebe:calledElement processId']);
  });
});
