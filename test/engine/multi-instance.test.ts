import { expect } from 'chai';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';

const mi = (sequential: boolean, extra = '') => `<bpmn:multiInstanceLoopCharacteristics isSequential="${sequential}"><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=lines" inputElement="line" outputCollection="results" outputElement="=reserved"/></bpmn:extensionElements>${extra}</bpmn:multiInstanceLoopCharacteristics>`;
const reserve = (loop: string) => bpmn('p', `<bpmn:startEvent id="s"/>
  <bpmn:serviceTask id="reserve"><bpmn:extensionElements><zeebe:taskDefinition type="erp.reserve"/><zeebe:ioMapping><zeebe:input source="=line.sku" target="sku"/></zeebe:ioMapping></bpmn:extensionElements>${loop}</bpmn:serviceTask>
  ${userTask('done')}${flow('f0', 's', 'reserve')}${flow('f1', 'reserve', 'done')}`);
const lines = [{ sku: 'TEA' }, { sku: 'RICE' }, { sku: 'SILK' }];
const jobsAt = (sim: Sim) => Object.values(sim.s.elements).filter((e) => e.elementId === 'reserve' && e.job);

describe('multi-instance', () => {
  it('parallel: one job per item with its input, results collected in input order', async () => {
    const sim = new Sim(await model(reserve(mi(false)))).start({ lines });
    const inner = jobsAt(sim);
    expect(inner.map((e) => sim.s.vars[e.key])).to.deep.equal([
      { loopCounter: 1, line: { sku: 'TEA' }, sku: 'TEA' },
      { loopCounter: 2, line: { sku: 'RICE' }, sku: 'RICE' },
      { loopCounter: 3, line: { sku: 'SILK' }, sku: 'SILK' },
    ]);
    for (const e of [inner[2], inner[0], inner[1]]) sim.apply({ type: 'completeJob', jobKey: e.job!, variables: { reserved: `${sim.s.vars[e.key].sku}-ok` } });
    expect(sim.active()).to.deep.equal(['done']);
    expect(sim.vars().results).to.deep.equal(['TEA-ok', 'RICE-ok', 'SILK-ok']);
  });

  it('sequential: one item after the other', async () => {
    const sim = new Sim(await model(reserve(mi(true)))).start({ lines });
    for (const sku of ['TEA', 'RICE', 'SILK']) {
      const [e] = jobsAt(sim);
      expect(jobsAt(sim)).to.have.length(1);
      expect(sim.s.vars[e.key].sku).to.equal(sku);
      sim.apply({ type: 'completeJob', jobKey: e.job!, variables: { reserved: 1 } });
    }
    expect(sim.active()).to.deep.equal(['done']);
  });

  it('completionCondition ends the remaining instances early', async () => {
    const sim = new Sim(await model(reserve(mi(false, '<bpmn:completionCondition>=numberOfCompletedInstances >= 2</bpmn:completionCondition>')))).start({ lines });
    const inner = jobsAt(sim);
    sim.apply({ type: 'completeJob', jobKey: inner[0].job!, variables: { reserved: 'a' } });
    sim.apply({ type: 'completeJob', jobKey: inner[1].job!, variables: { reserved: 'b' } });
    expect(sim.active()).to.deep.equal(['done']);
    expect(sim.vars().results).to.deep.equal(['a', 'b', null]);
    expect(sim.last.map((e) => e.type)).to.include('job.delete');
  });

  it('an empty collection completes at once; a non-list is an incident', async () => {
    const m = await model(reserve(mi(false)));
    expect(new Sim(m).start({ lines: [] }).active()).to.deep.equal(['done']);
    const bad = new Sim(m).start({ lines: 'TEA' });
    expect(bad.incidents()).to.deep.equal([`inputCollection '=lines' of 'reserve' is "TEA", not a list`]);
    bad.apply({ type: 'setVariables', variables: { lines: [{ sku: 'X' }] } });
    bad.apply({ type: 'resolveIncident', incidentId: Object.keys(bad.s.incidents)[0] });
    expect(jobsAt(bad)).to.have.length(1);
  });

  it('an interrupting boundary on the activity cancels every inner instance', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:userTask id="approve"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>${mi(false)}</bpmn:userTask>
      <bpmn:boundaryEvent id="late" attachedToRef="approve"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
      ${userTask('escalate')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'approve')}${flow('f1', 'approve', 'e')}${flow('f2', 'late', 'escalate')}`));
    const sim = new Sim(m).start({ lines });
    expect(sim.tasks()).to.have.length(3);
    const timer = Object.keys(sim.s.timers ?? {});
    expect(timer).to.have.length(1);
    sim.apply({ type: 'fireTimer', timerId: timer[0] });
    expect(sim.active()).to.deep.equal(['escalate']);
    expect(sim.last.filter((e) => e.type === 'task.patch')).to.have.length(3);
  });

  it('a multi-instance sub-process runs its inside once per item', async () => {
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:subProcess id="perLine">${mi(false).replace('outputElement="=reserved"', 'outputElement="=line.sku"')}
        <bpmn:startEvent id="ss"/>${serviceTask('check', 'erp.check')}<bpmn:endEvent id="se"/>${flow('a0', 'ss', 'check')}${flow('a1', 'check', 'se')}
      </bpmn:subProcess>${userTask('done')}${flow('f0', 's', 'perLine')}${flow('f1', 'perLine', 'done')}`));
    const sim = new Sim(m).start({ lines });
    const checks = Object.values(sim.s.elements).filter((e) => e.elementId === 'check');
    expect(checks).to.have.length(3);
    for (const c of checks) sim.apply({ type: 'completeJob', jobKey: c.job! });
    expect(sim.active()).to.deep.equal(['done']);
    expect(sim.vars().results).to.deep.equal(['TEA', 'RICE', 'SILK']);
  });

  it('a parallel call activity keeps every result when children hand back a stale copy of the collection', async () => {
    // Each child starts with the parent's variables, the half-filled output collection among them,
    // and (propagateAllChildVariables) hands them all back: that copy must not overwrite the results.
    const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
      <bpmn:callActivity id="check"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements>${mi(false)}</bpmn:callActivity>
      ${userTask('done')}${flow('f0', 's', 'check')}${flow('f1', 'check', 'done')}`));
    const sim = new Sim(m).start({ lines });
    const calls = Object.values(sim.s.elements).filter((e) => e.elementId === 'check' && e.child);
    expect(calls).to.have.length(3);
    for (const c of [calls[2], calls[0], calls[1]]) {
      const snapshot = { ...sim.s.vars[c.scope], ...sim.s.vars[c.key], results: [null, null, null] };
      sim.apply({ type: 'childCompleted', elementInstance: c.key, childId: c.child!, variables: { ...snapshot, reserved: `${(sim.s.vars[c.key].line as { sku: string }).sku}-ok` } });
    }
    expect(sim.active()).to.deep.equal(['done']);
    expect(sim.vars().results).to.deep.equal(['TEA-ok', 'RICE-ok', 'SILK-ok']);
    sim.completeTask('done');
    sim.assertClean();
  });
});
