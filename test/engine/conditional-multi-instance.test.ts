// Conditional boundary events on multi-instance activities, with Zeebe's rule: the boundary event
// belongs to the multi-instance body, is armed once when the body starts and is evaluated in the
// body's scope, so it sees the output collection and the variables above the body but not an
// inner instance's own; it is looked at after each inner instance, before the body goes on.

import { expect } from 'chai';
import { bpmn, flow, model, Sim, userTask } from './harness.ts';
import type { ElementInstance } from '../../engine/types.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** start → review (multi-instance over `customers`, job `crm.review`) → done, boundary `escalate` → handle. */
async function miModel(sequential: boolean, condition: string, interrupting: boolean, extra = '') {
  return model(
    bpmn(
      'p',
      `<bpmn:startEvent id="s"/>
      <bpmn:serviceTask id="review"><bpmn:extensionElements><zeebe:taskDefinition type="crm.review"/></bpmn:extensionElements>
        <bpmn:multiInstanceLoopCharacteristics isSequential="${sequential}"><bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=customers" inputElement="customer" outputCollection="answers" outputElement="=answer"/>
        </bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>
      <bpmn:boundaryEvent id="escalate" attachedToRef="review" cancelActivity="${interrupting}"><bpmn:conditionalEventDefinition><bpmn:condition>${esc(condition)}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:boundaryEvent>
      ${userTask('done')}${userTask('handle')}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
      ${flow('f0', 's', 'review')}${flow('f1', 'review', 'done')}${flow('f2', 'escalate', 'handle')}${flow('f3', 'done', 'e1')}${flow('f4', 'handle', 'e2')}${extra}`,
    ),
  );
}

const customers = ['a', 'b', 'c'];
const inner = (sim: Sim): ElementInstance[] => Object.values(sim.s.elements).filter((e) => e.elementId === 'review' && e.loop !== undefined);
const body = (sim: Sim): ElementInstance | undefined => Object.values(sim.s.elements).find((e) => e.elementId === 'review' && e.mi);
const handled = (sim: Sim) => sim.trail('activated').filter((e) => e === 'handle').length;
const innerStarted = (sim: Sim) => sim.trail('activated').filter((e) => e === 'review').length - 1; // minus the body

function finish(sim: Sim): void {
  for (const t of Object.values(sim.s.elements).filter((e) => e.task)) sim.apply({ type: 'completeTask', taskId: t.task! });
  expect(sim.s.status).to.equal('completed');
  sim.assertClean();
}

describe('conditional boundary event on a multi-instance activity', () => {
  describe('parallel', () => {
    it('interrupting: a job result written above the body fires it and ends every inner instance with its job', async () => {
      const sim = new Sim(await miModel(false, '=x > 10', true)).start({ customers, x: 0 });
      const [first] = inner(sim);
      expect(inner(sim)).to.have.length(3);
      sim.apply({ type: 'completeJob', jobKey: first.job!, variables: { x: 11, answer: 'late' } });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(sim.s.jobs).to.deep.equal({});
      expect(sim.last.filter((e) => e.type === 'job.delete')).to.have.length(3); // the completed job and the two cancelled
      expect(sim.trail('terminated')).to.deep.equal(['review', 'review', 'review']); // two inner instances, then the body
      expect(sim.trail('activated')).to.not.include('done');
      finish(sim);
    });

    it('interrupting: the last inner instance\'s result still fires it, before the body completes', async () => {
      const sim = new Sim(await miModel(false, '=x > 10', true)).start({ customers, x: 0 });
      const [a, b, c] = inner(sim);
      sim.apply({ type: 'completeJob', jobKey: a.job!, variables: { x: 1 } });
      sim.apply({ type: 'completeJob', jobKey: b.job!, variables: { x: 2 } });
      expect(sim.active()).to.deep.equal(['review', 'review']);
      sim.apply({ type: 'completeJob', jobKey: c.job!, variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(sim.trail('activated')).to.not.include('done');
      expect(sim.trail('terminated')).to.deep.equal(['review']); // the body
      finish(sim);
    });

    it('non-interrupting: fires once per inner instance whose result leaves it true, the last one included, and the body completes', async () => {
      const sim = new Sim(await miModel(false, '=x > 0', false)).start({ customers, x: 0 });
      const [a, b, c] = inner(sim);
      sim.apply({ type: 'completeJob', jobKey: a.job!, variables: { x: 1, answer: 'A' } });
      expect(handled(sim)).to.equal(1);
      sim.apply({ type: 'completeJob', jobKey: b.job!, variables: { x: 2, answer: 'B' } });
      expect(handled(sim)).to.equal(2);
      sim.apply({ type: 'completeJob', jobKey: c.job!, variables: { x: 3, answer: 'C' } });
      expect(handled(sim)).to.equal(3);
      expect(sim.active()).to.deep.equal(['done', 'handle', 'handle', 'handle']);
      expect(sim.vars().answers).to.deep.equal(['A', 'B', 'C']);
      finish(sim);
    });

    it('is evaluated in the body\'s scope: an inner instance\'s own variables never fire it, the same name above the body does', async () => {
      const sim = new Sim(await miModel(false, '=x > 10 or customer = "b" or loopCounter = 2', true)).start({ customers });
      const [a] = inner(sim);
      // The inner instance for "b" (loopCounter 2) is active, but its input element is its own.
      expect(sim.active()).to.deep.equal(['review', 'review', 'review', 'review']);
      sim.apply({ type: 'setVariables', scope: a.key, variables: { x: 11 } });
      expect(sim.active()).to.not.include('handle');
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['handle']);
      finish(sim);
    });

    it('sees the output collection, a variable of the body, as each inner instance adds to it', async () => {
      const sim = new Sim(await miModel(false, '=list contains(answers, "stop")', true)).start({ customers });
      const [a, b] = inner(sim);
      sim.apply({ type: 'completeJob', jobKey: a.job!, variables: { answer: 'ok' } });
      expect(sim.active()).to.deep.equal(['review', 'review', 'review']);
      sim.apply({ type: 'completeJob', jobKey: b.job!, variables: { answer: 'stop' } });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(sim.s.jobs).to.deep.equal({});
      finish(sim);
    });

    it('is armed once, on the body: true when the body starts, it fires once and no inner instance survives', async () => {
      const sim = new Sim(await miModel(false, '=x > 10', false)).start({ customers, x: 11 });
      expect(handled(sim)).to.equal(1);
      expect(Object.values(sim.s.conditions ?? {}).map((c) => [c.elementId, c.elementInstance])).to.deep.equal([['escalate', body(sim)!.key]]);
      const hard = new Sim(await miModel(false, '=x > 10', true)).start({ customers, x: 11 });
      expect(hard.active()).to.deep.equal(['handle']);
      expect(hard.s.jobs).to.deep.equal({});
    });
  });

  it('an enclosing interrupting event sub-process on the same change wins over the body\'s boundary event', async () => {
    const onX = `<bpmn:subProcess id="onX" triggeredByEvent="true"><bpmn:startEvent id="xs"><bpmn:conditionalEventDefinition><bpmn:condition>=x &gt; 10</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
      ${userTask('stop')}<bpmn:endEvent id="xe"/>${flow('x0', 'xs', 'stop')}${flow('x1', 'stop', 'xe')}</bpmn:subProcess>`;
    const sim = new Sim(await miModel(false, '=x > 10', false, onX)).start({ customers, x: 0 });
    sim.apply({ type: 'completeJob', jobKey: inner(sim)[0].job!, variables: { x: 11 } });
    expect(sim.active()).to.deep.equal(['onX', 'stop']);
    expect(handled(sim)).to.equal(0);
    finish(sim);
  });

  describe('sequential', () => {
    it('interrupting: fires on an inner instance\'s result before the next instance starts', async () => {
      const sim = new Sim(await miModel(true, '=x > 10', true)).start({ customers, x: 0 });
      sim.completeJob('review', { x: 5, answer: 'A' });
      expect(innerStarted(sim)).to.equal(2);
      sim.completeJob('review', { x: 11, answer: 'B' });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(innerStarted(sim)).to.equal(2); // the third instance never started
      expect(sim.s.jobs).to.deep.equal({});
      finish(sim);
    });

    it('interrupting: a variable set above the body ends the running inner instance and the body', async () => {
      const sim = new Sim(await miModel(true, '=x > 10', true)).start({ customers, x: 0 });
      sim.completeJob('review', { answer: 'A' });
      const [running] = inner(sim);
      sim.apply({ type: 'setVariables', scope: running.key, variables: { x: 11 } }); // local to the inner instance
      expect(sim.active()).to.deep.equal(['review', 'review']);
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(sim.trail('terminated')).to.deep.equal(['review', 'review']);
      finish(sim);
    });

    it('non-interrupting: fires after each inner instance whose result leaves it true, the last one included', async () => {
      const sim = new Sim(await miModel(true, '=x > 0', false)).start({ customers, x: 0 });
      for (const [i, answer] of ['A', 'B', 'C'].entries()) {
        sim.completeJob('review', { x: i + 1, answer });
        expect(handled(sim)).to.equal(i + 1);
      }
      expect(sim.active()).to.deep.equal(['done', 'handle', 'handle', 'handle']);
      expect(sim.vars().answers).to.deep.equal(['A', 'B', 'C']);
      finish(sim);
    });
  });
});
