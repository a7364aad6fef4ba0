// Compensation on the pure core (Camunda 8 semantics): handlers of completed activities run when a
// compensation throw or end event is reached, latest completion first, inside the throw event,
// which waits for all of them. Then the same through the engine facade on every store backend.

import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { forEachBackend } from './backends.ts';
import { Sim, bpmn, compile, flow, model, serviceTask, userTask } from './harness.ts';

/** An activity `id` with a compensation boundary event and its handler `undo-<id>` (a job). */
function compensable(activity: string, id: string, handler = serviceTask(`undo-${id}`, `undo.${id}`).replace('<bpmn:serviceTask ', '<bpmn:serviceTask isForCompensation="true" ')): string {
  return `${activity}
    <bpmn:boundaryEvent id="cb-${id}" attachedToRef="${id}"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    ${handler}
    <bpmn:association id="as-${id}" sourceRef="cb-${id}" targetRef="undo-${id}"/>`;
}

const throwEvent = (id: string, ref?: string) =>
  `<bpmn:intermediateThrowEvent id="${id}"><bpmn:compensateEventDefinition${ref ? ` activityRef="${ref}"` : ''}/></bpmn:intermediateThrowEvent>`;
const endEvent = (id: string, ref?: string) => `<bpmn:endEvent id="${id}"><bpmn:compensateEventDefinition${ref ? ` activityRef="${ref}"` : ''}/></bpmn:endEvent>`;

/** start → a → b → throw → end, a and b compensable; `ref` limits the throw to one activity. */
const sequence = (ref?: string) =>
  bpmn('seq', `
    <bpmn:startEvent id="s"/>
    ${compensable(serviceTask('a', 'do.a'), 'a')}
    ${compensable(serviceTask('b', 'do.b'), 'b')}
    ${throwEvent('undo', ref)}
    <bpmn:endEvent id="e"/>
    ${flow('f1', 's', 'a')}${flow('f2', 'a', 'b')}${flow('f3', 'b', 'undo')}${flow('f4', 'undo', 'e')}`);

describe('compensation (pure transitions)', () => {
  it('runs the handlers of every completed activity, latest first, and the throw event waits for all of them', async () => {
    const sim = new Sim(await model(sequence())).start();
    sim.completeJob('a').completeJob('b');
    expect(sim.active()).to.deep.equal(['undo', 'undo-a', 'undo-b']);
    expect(sim.trail('activated').slice(-2)).to.deep.equal(['undo-b', 'undo-a']);
    // the handlers run inside the throw event
    const throwKey = Object.values(sim.s.elements).find((e) => e.elementId === 'undo')!.key;
    expect(Object.values(sim.s.elements).filter((e) => e.elementId.startsWith('undo-')).map((e) => e.scope)).to.deep.equal([throwKey, throwKey]);
    sim.completeJob('undo-a');
    expect(sim.active()).to.deep.equal(['undo', 'undo-b']);
    sim.completeJob('undo-b');
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('completed')).to.deep.equal(['s', 'a', 'b', 'undo-a', 'undo-b', 'undo', 'e', 'seq']);
    sim.assertClean();
  });

  it('keeps one bounded record per completed compensable activity and drops them when the process ends', async () => {
    const sim = new Sim(await model(sequence('a'))).start();
    sim.completeJob('a');
    expect(sim.s.compensable).to.deep.equal([{ key: '2', elementId: 'a', scope: '0', handler: 'undo-a' }]);
    sim.completeJob('b');
    // activityRef consumed a's record only; b's stays until the process ends
    expect(sim.s.compensable!.map((r) => r.elementId)).to.deep.equal(['b']);
    expect(sim.active()).to.deep.equal(['undo', 'undo-a']);
    sim.completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('activated')).to.not.include('undo-b');
    sim.assertClean();
  });

  it('completes at once when nothing was completed yet (active activities are not compensated)', async () => {
    const xml = bpmn('early', `
      <bpmn:startEvent id="s"/>
      <bpmn:parallelGateway id="fork"/>
      ${compensable(serviceTask('a', 'do.a'), 'a')}
      ${throwEvent('undo')}
      <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
      ${flow('f1', 's', 'fork')}${flow('f2', 'fork', 'a')}${flow('f3', 'fork', 'undo')}${flow('f4', 'a', 'e1')}${flow('f5', 'undo', 'e2')}`);
    const sim = new Sim(await model(xml)).start();
    expect(sim.trail('completed')).to.include('undo');
    expect(sim.active()).to.deep.equal(['a']);
    sim.completeJob('a');
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('activated')).to.not.include('undo-a');
    sim.assertClean();
  });

  it('runs the handler once per completion of an activity completed several times in a loop, each with its own variables', async () => {
    const xml = bpmn('loop', `
      <bpmn:startEvent id="s"/>
      ${compensable(`<bpmn:scriptTask id="a"><bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=n" target="round"/></zeebe:ioMapping><zeebe:script expression="=n + 1" resultVariable="n"/></bpmn:extensionElements></bpmn:scriptTask>`, 'a')}
      <bpmn:exclusiveGateway id="again" default="f4"/>
      ${endEvent('undo')}
      ${flow('f1', 's', 'a')}${flow('f2', 'a', 'again')}${flow('f3', 'again', 'a', '=n < 3')}${flow('f4', 'again', 'undo')}`);
    const sim = new Sim(await model(xml)).start({ n: 0 });
    const handlers = Object.values(sim.s.elements).filter((e) => e.elementId === 'undo-a');
    expect(handlers).to.have.length(3);
    // latest completion first, each handler starting with the locals its completion had
    expect(handlers.map((h) => sim.s.vars[h.key])).to.deep.equal([{ round: 2 }, { round: 1 }, { round: 0 }]);
    for (let i = 0; i < 3; i++) sim.completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('runs the handler of a multi-instance activity once, after all its instances completed', async () => {
    const mi = `<bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="do.a"/></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2,3]" inputElement="item"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>`;
    const xml = bpmn('mi', `<bpmn:startEvent id="s"/>${compensable(mi, 'a')}${endEvent('undo')}${flow('f1', 's', 'a')}${flow('f2', 'a', 'undo')}`);
    const sim = new Sim(await model(xml)).start();
    for (let i = 0; i < 3; i++) sim.completeJob('a');
    expect(sim.trail('activated').filter((id) => id === 'undo-a')).to.have.length(1);
    sim.completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('runs a multi-instance handler over a collection from its activity\'s variables; an empty one ends at once without ending the throw early', async () => {
    const miHandler = `<bpmn:serviceTask id="undo-a" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="undo.a"/></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=list" inputElement="order"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>`;
    const a = serviceTask('a', 'do.a', '<zeebe:ioMapping><zeebe:input source="=orders" target="list"/></zeebe:ioMapping>');
    const xml = bpmn('mih', `
      <bpmn:startEvent id="s"/>
      ${compensable(serviceTask('b', 'do.b'), 'b')}
      ${compensable(a, 'a', miHandler)}
      ${throwEvent('undo')}<bpmn:endEvent id="e"/>
      ${flow('f1', 's', 'b')}${flow('f2', 'b', 'a')}${flow('f3', 'a', 'undo')}${flow('f4', 'undo', 'e')}`);
    const m = await model(xml);

    const two = new Sim(m).start({ orders: ['x', 'y'] });
    two.completeJob('b').completeJob('a');
    const inner = Object.values(two.s.elements).filter((e) => e.elementId === 'undo-a' && e.loop !== undefined);
    expect(inner.map((i) => two.s.vars[i.key]!.order)).to.deep.equal(['x', 'y']);
    two.completeJob('undo-a').completeJob('undo-a').completeJob('undo-b');
    expect(two.s.status).to.equal('completed');
    two.assertClean();

    // a's handler (the latest completion) starts first and ends at once; the throw still waits for b's
    const none = new Sim(m).start({ orders: [] });
    none.completeJob('b').completeJob('a');
    expect(none.active()).to.deep.equal(['undo', 'undo-b']);
    none.completeJob('undo-b');
    expect(none.s.status).to.equal('completed');
    none.assertClean();
  });

  it('compensates inside a completed sub-process: its own handler and those of its inner activities', async () => {
    const sub = `<bpmn:subProcess id="sub">
        <bpmn:startEvent id="ss"/>
        ${compensable(serviceTask('a', 'do.a'), 'a')}
        ${compensable(serviceTask('b', 'do.b'), 'b')}
        <bpmn:endEvent id="se"/>
        ${flow('g1', 'ss', 'a')}${flow('g2', 'a', 'b')}${flow('g3', 'b', 'se')}
      </bpmn:subProcess>`;
    const withOwn = bpmn('subp', `<bpmn:startEvent id="s"/>${compensable(sub, 'sub')}${endEvent('undo')}${flow('f1', 's', 'sub')}${flow('f2', 'sub', 'undo')}`);
    const sim = new Sim(await model(withOwn)).start();
    sim.completeJob('a').completeJob('b');
    // Camunda 8: the sub-process's own handler, then its inner activities' latest first
    expect(sim.trail('activated').slice(-3)).to.deep.equal(['undo-sub', 'undo-b', 'undo-a']);
    sim.completeJob('undo-b').completeJob('undo-sub').completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();

    const without = bpmn('sub2', `<bpmn:startEvent id="s"/>${sub}${endEvent('undo', 'sub')}${flow('f1', 's', 'sub')}${flow('f2', 'sub', 'undo')}`);
    const sim2 = new Sim(await model(without)).start();
    sim2.completeJob('a').completeJob('b');
    expect(sim2.trail('activated').slice(-2)).to.deep.equal(['undo-b', 'undo-a']);
    sim2.completeJob('undo-a').completeJob('undo-b');
    sim2.assertClean();
  });

  it('runs inner handlers once per inner instance of a multi-instance sub-process, with each instance\'s variables', async () => {
    const sub = `<bpmn:subProcess id="sub">
        <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[&quot;x&quot;,&quot;y&quot;]" inputElement="item"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
        <bpmn:startEvent id="ss"/>
        ${compensable(serviceTask('a', 'do.a', '<zeebe:ioMapping><zeebe:input source="=item" target="booked"/></zeebe:ioMapping>'), 'a')}
        ${flow('g1', 'ss', 'a')}
      </bpmn:subProcess>`;
    const xml = bpmn('misub', `<bpmn:startEvent id="s"/>${sub}${throwEvent('undo', 'sub')}<bpmn:endEvent id="e"/>${flow('f1', 's', 'sub')}${flow('f2', 'sub', 'undo')}${flow('f3', 'undo', 'e')}`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('a').completeJob('a');
    const handlers = Object.values(sim.s.elements).filter((e) => e.elementId === 'undo-a');
    expect(handlers.map((h) => sim.s.vars[h.key])).to.have.deep.members([{ booked: 'x' }, { booked: 'y' }]);
    sim.completeJob('undo-a').completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('compensates only inside the sub-process when the throw event is inside it', async () => {
    const xml = bpmn('inner', `
      <bpmn:startEvent id="s"/>
      ${compensable(serviceTask('a', 'do.a'), 'a')}
      <bpmn:subProcess id="sub">
        <bpmn:startEvent id="ss"/>
        ${compensable(serviceTask('b', 'do.b'), 'b')}
        ${endEvent('undo')}
        ${flow('g1', 'ss', 'b')}${flow('g2', 'b', 'undo')}
      </bpmn:subProcess>
      <bpmn:endEvent id="e"/>
      ${flow('f1', 's', 'a')}${flow('f2', 'a', 'sub')}${flow('f3', 'sub', 'e')}`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('a').completeJob('b');
    expect(sim.active()).to.deep.equal(['sub', 'undo', 'undo-b']);
    sim.completeJob('undo-b');
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('activated')).to.not.include('undo-a');
    sim.assertClean();
  });

  it('does not compensate inside a sub-process that was terminated', async () => {
    const xml = bpmn('term', `
      <bpmn:startEvent id="s"/>
      <bpmn:subProcess id="sub">
        <bpmn:startEvent id="ss"/>
        ${compensable(serviceTask('a', 'do.a'), 'a')}
        ${serviceTask('b', 'do.b')}
        <bpmn:endEvent id="se"/>
        ${flow('g1', 'ss', 'a')}${flow('g2', 'a', 'b')}${flow('g3', 'b', 'se')}
      </bpmn:subProcess>
      <bpmn:boundaryEvent id="failed" attachedToRef="sub"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>
      ${endEvent('undo')}<bpmn:endEvent id="e"/>
      ${flow('f1', 's', 'sub')}${flow('f2', 'sub', 'e')}${flow('f3', 'failed', 'undo')}`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('a');
    expect(sim.s.compensable).to.have.length(1);
    sim.apply({ type: 'throwError', jobKey: sim.job('b'), errorCode: 'BROKEN' });
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('activated')).to.not.include('undo-a');
    sim.assertClean();
  });

  it('compensates from an error boundary path: the activities completed before the error are undone', async () => {
    const xml = bpmn('saga', `
      <bpmn:startEvent id="s"/>
      ${compensable(serviceTask('reserve', 'erp.reserve'), 'reserve')}
      ${compensable(serviceTask('charge', 'crm.charge'), 'charge')}
      ${serviceTask('ship', 'erp.ship')}
      <bpmn:boundaryEvent id="failed" attachedToRef="ship"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>
      ${throwEvent('rollback')}
      <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
      ${flow('f1', 's', 'reserve')}${flow('f2', 'reserve', 'charge')}${flow('f3', 'charge', 'ship')}${flow('f4', 'ship', 'e')}
      ${flow('f5', 'failed', 'rollback')}${flow('f6', 'rollback', 'e2')}`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('reserve').completeJob('charge');
    sim.apply({ type: 'throwError', jobKey: sim.job('ship'), errorCode: 'NO_TRUCK' });
    expect(sim.active()).to.deep.equal(['rollback', 'undo-charge', 'undo-reserve']);
    expect(sim.trail('activated').slice(-2)).to.deep.equal(['undo-charge', 'undo-reserve']);
    sim.completeJob('undo-charge').completeJob('undo-reserve');
    expect(sim.trail('completed').slice(-3)).to.deep.equal(['rollback', 'e2', 'saga']);
    sim.assertClean();
  });

  it('compensates the enclosing scope from an error event sub-process', async () => {
    const xml = bpmn('esp', `
      <bpmn:startEvent id="s"/>
      ${compensable(serviceTask('a', 'do.a'), 'a')}
      ${serviceTask('b', 'do.b')}
      <bpmn:endEvent id="e"/>
      ${flow('f1', 's', 'a')}${flow('f2', 'a', 'b')}${flow('f3', 'b', 'e')}
      <bpmn:subProcess id="onError" triggeredByEvent="true">
        <bpmn:startEvent id="es"><bpmn:errorEventDefinition/></bpmn:startEvent>
        ${endEvent('undo', 'a')}
        ${flow('g1', 'es', 'undo')}
      </bpmn:subProcess>`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('a');
    sim.apply({ type: 'throwError', jobKey: sim.job('b'), errorCode: 'BROKEN' });
    expect(sim.active()).to.deep.equal(['onError', 'undo', 'undo-a']);
    sim.completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('runs user task handlers and completes the throw when the last handler is done', async () => {
    const handler = userTask('undo-a').replace('<bpmn:userTask ', '<bpmn:userTask isForCompensation="true" ');
    const xml = bpmn('ut', `<bpmn:startEvent id="s"/>${compensable(serviceTask('a', 'do.a'), 'a', handler)}${endEvent('undo')}${flow('f1', 's', 'a')}${flow('f2', 'a', 'undo')}`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('a');
    expect(sim.tasks().map((t) => t.elementId)).to.deep.equal(['undo-a']);
    sim.completeTask('undo-a', { refunded: true });
    expect(sim.s.status).to.equal('completed');
    sim.assertClean();
  });

  it('cancelling during compensation ends the handlers and leaves nothing behind', async () => {
    const sim = new Sim(await model(sequence())).start();
    sim.completeJob('a').completeJob('b');
    const jobs = [sim.job('undo-a'), sim.job('undo-b')];
    sim.apply({ type: 'cancel' });
    expect(sim.s.status).to.equal('canceled');
    expect(sim.last.filter((e) => e.type === 'job.delete').map((e) => (e as { key: string }).key)).to.have.members(jobs);
    expect(sim.trail('terminated')).to.include.members(['undo-a', 'undo-b', 'undo']);
    sim.assertClean();
  });

  it('a second throw finds nothing left to compensate', async () => {
    const xml = bpmn('twice', `
      <bpmn:startEvent id="s"/>
      ${compensable(serviceTask('a', 'do.a'), 'a')}
      ${throwEvent('undo1')}${throwEvent('undo2')}<bpmn:endEvent id="e"/>
      ${flow('f1', 's', 'a')}${flow('f2', 'a', 'undo1')}${flow('f3', 'undo1', 'undo2')}${flow('f4', 'undo2', 'e')}`);
    const sim = new Sim(await model(xml)).start();
    sim.completeJob('a').completeJob('undo-a');
    expect(sim.s.status).to.equal('completed');
    expect(sim.trail('activated').filter((id) => id === 'undo-a')).to.have.length(1);
    sim.assertClean();
  });
});

describe('compensation (deploy-time checks)', () => {
  const problemsOf = async (body: string) => (await compile(bpmn('p', body))).problems.map((p) => `${p.elementId}: ${p.message}`);

  it('names a compensation boundary event without a handler', async () => {
    const problems = await problemsOf(`<bpmn:startEvent id="s"/>${serviceTask('a', 'do.a')}<bpmn:endEvent id="e"/>${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}
      <bpmn:boundaryEvent id="cb" attachedToRef="a"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>`);
    expect(problems).to.deep.equal(['cb: compensation boundary event has no association to a compensation handler (an activity with isForCompensation="true")']);
  });

  it('names a handler with sequence flows, a handler without a boundary, and an association to an unmarked activity', async () => {
    const problems = await problemsOf(`<bpmn:startEvent id="s"/>${compensable(serviceTask('a', 'do.a'), 'a')}<bpmn:endEvent id="e"/>
      ${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}${flow('f3', 'undo-a', 'e')}
      <bpmn:serviceTask id="lonely" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="x"/></bpmn:extensionElements></bpmn:serviceTask>
      ${serviceTask('plain', 'p')}<bpmn:boundaryEvent id="cb2" attachedToRef="plain"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
      <bpmn:association id="as2" sourceRef="cb2" targetRef="e"/>${flow('f4', 'a', 'plain')}`);
    expect(problems).to.include.members([
      'undo-a: a compensation handler must not have incoming or outgoing sequence flows; only compensation starts it',
      'lonely: compensation handler is not associated with any compensation boundary event',
      "cb2: the associated activity 'e' is not marked as a compensation handler (isForCompensation=\"true\")",
    ]);
  });

  it('names a throw event whose activityRef cannot be compensated, and rejects waitForCompletion="false"', async () => {
    const problems = await problemsOf(`<bpmn:startEvent id="s"/>${serviceTask('a', 'do.a')}
      <bpmn:intermediateThrowEvent id="t"><bpmn:compensateEventDefinition activityRef="a" waitForCompletion="false"/></bpmn:intermediateThrowEvent>
      <bpmn:endEvent id="e"/>${flow('f1', 's', 'a')}${flow('f2', 'a', 't')}${flow('f3', 't', 'e')}`);
    expect(problems).to.deep.equal([
      't: waitForCompletion="false" is not supported: as in Camunda 8, a compensation throw event always waits for its handlers',
      "t: activityRef 'a' has no compensation boundary event and contains no activity that has one, so there is nothing to compensate",
    ]);
  });

  it('keeps compensation event sub-processes rejected, as Camunda 8 does', async () => {
    const problems = await problemsOf(`<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>${flow('f1', 's', 'e')}
      <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="cs"><bpmn:compensateEventDefinition/></bpmn:startEvent></bpmn:subProcess>`);
    expect(problems).to.include('cs: compensation event sub-processes are not executed: Camunda 8 does not support them either; throw compensation from an error event sub-process instead');
  });
});

forEachBackend('compensation through the engine', (backend) => {
  let engine: Engine;

  beforeEach(async () => {
    engine = await Engine.open({ store: await backend.open(), clock: new ManualClock('2026-03-01T09:00:00Z') });
  });

  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  const finish = async (type: string) => {
    const [job] = await engine.activateJobs({ type, worker: 'w', maxJobs: 1, lockMs: 60_000 });
    if (!job) throw new Error(`no ${type} job`);
    await engine.completeJob(job.id, {});
    return job.id;
  };

  it('runs the handlers as jobs, waits for them, and ends with nothing left in the store', async () => {
    await engine.deploy([{ name: 'seq.bpmn', content: sequence() }]);
    const { id } = await engine.startInstance({ processKey: 'seq' });
    await finish('do.a');
    await finish('do.b');
    expect((await engine.getInstance(id)).activeElements.sort()).to.deep.equal(['undo', 'undo-a', 'undo-b']);
    await finish('undo.b');
    expect((await engine.getInstance(id)).state).to.equal('active');
    await finish('undo.a');
    const state = (await engine.getInstanceState(id))!;
    expect(state.status).to.equal('completed');
    expect(state.compensable).to.equal(undefined);
    const trail = (await engine.history(id)).filter((h) => h.event === 'completed').map((h) => h.elementId);
    expect(trail).to.deep.equal(['s', 'a', 'b', 'undo-b', 'undo-a', 'undo', 'e', 'seq']);
  });

  it('compensates a completed call activity with its handler, but not the activities of the called process', async () => {
    const child = bpmn('child', `<bpmn:startEvent id="cs"/>${compensable(serviceTask('book', 'child.book'), 'book')}<bpmn:endEvent id="ce"/>${flow('c1', 'cs', 'book')}${flow('c2', 'book', 'ce')}`);
    const call = `<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements></bpmn:callActivity>`;
    const parent = bpmn('parent', `<bpmn:startEvent id="s"/>${compensable(call, 'call')}${endEvent('undo')}${flow('f1', 's', 'call')}${flow('f2', 'call', 'undo')}`);
    await engine.deploy([{ name: 'child.bpmn', content: child }, { name: 'parent.bpmn', content: parent }]);
    const { id } = await engine.startInstance({ processKey: 'parent' });
    await engine.settle();
    await finish('child.book');
    await engine.settle();
    expect((await engine.getInstance(id)).activeElements.sort()).to.deep.equal(['undo', 'undo-call']);
    await finish('undo.call');
    await engine.settle();
    expect((await engine.getInstance(id)).state).to.equal('completed');
    expect(await engine.activateJobs({ type: 'undo.book', worker: 'w', maxJobs: 1, lockMs: 60_000 })).to.deep.equal([]);
  });

  it('cancelling while handlers run removes their jobs from the store', async () => {
    await engine.deploy([{ name: 'seq.bpmn', content: sequence() }]);
    const { id } = await engine.startInstance({ processKey: 'seq' });
    await finish('do.a');
    await finish('do.b');
    const [undoA] = await engine.activateJobs({ type: 'undo.a', worker: 'w', maxJobs: 1, lockMs: 60_000 });
    await engine.cancelInstance(id);
    expect(await engine.store.getJob(undoA!.id)).to.equal(null);
    expect(await engine.activateJobs({ type: 'undo.b', worker: 'w', maxJobs: 1, lockMs: 60_000 })).to.deep.equal([]);
    const state = (await engine.getInstanceState(id))!;
    expect([state.status, Object.keys(state.elements).length, Object.keys(state.jobs).length, state.compensable]).to.deep.equal(['canceled', 0, 0, undefined]);
  });
});
