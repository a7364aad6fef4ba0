// Conditional events on the pure core: boundary (interrupting and not), intermediate catch, and
// event sub-process starts in processes and embedded sub-processes, with Camunda 8.9's rules for
// when a condition is looked at.

import { expect } from 'chai';
import { bpmn, compile, flow, model, serviceTask, Sim, userTask } from './harness.ts';
import { referencedVariables } from '../../engine/behaviors/conditional-definition.ts';
import type { Effect } from '../../engine/types.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A conditional event definition; `filter` holds zeebe:conditionalFilter attributes. */
function cond(condition: string, filter?: { variableNames?: string; variableEvents?: string }): string {
  const attrs = filter ? Object.entries(filter).map(([k, v]) => ` ${k}="${v}"`).join('') : '';
  const ext = filter ? `<bpmn:extensionElements><zeebe:conditionalFilter${attrs}/></bpmn:extensionElements>` : '';
  return `<bpmn:conditionalEventDefinition>${ext}<bpmn:condition>${esc(condition)}</bpmn:condition></bpmn:conditionalEventDefinition>`;
}

function boundary(id: string, host: string, condition: string, opts: { interrupting?: boolean; filter?: { variableNames?: string; variableEvents?: string } } = {}): string {
  return `<bpmn:boundaryEvent id="${id}" attachedToRef="${host}" cancelActivity="${opts.interrupting ?? true}">${cond(condition, opts.filter)}</bpmn:boundaryEvent>`;
}

/** start → A (service task, job `work`) → end, plus boundary `b` on A leading to user task `handle`. */
async function boundaryModel(condition: string, opts: Parameters<typeof boundary>[3] = {}) {
  return model(bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('A', 'work')}<bpmn:endEvent id="e"/>
    ${boundary('b', 'A', condition, opts)}${userTask('handle')}<bpmn:endEvent id="be"/>
    ${flow('f0', 's', 'A')}${flow('f1', 'A', 'e')}${flow('f2', 'b', 'handle')}${flow('f3', 'handle', 'be')}`));
}

const fired = (sim: Sim, id: string) => sim.trail('activated').filter((e) => e === id).length;
const jobDeleted = (effects: Effect[]) => effects.some((e) => e.type === 'job.delete');

describe('conditional events', () => {
  describe('deploy', () => {
    it('derives the variables a condition reads from its FEEL syntax', () => {
      expect(referencedVariables('x > 10')).to.deep.equal(['x']);
      expect(referencedVariables('order.total > limit and not(flag)')).to.have.members(['order', 'limit', 'not', 'flag']);
      expect(referencedVariables('a.b.c = true')).to.deep.equal(['a']);
    });

    it('rejects a process-level conditional start event, a static condition and a bad filter, naming each element', async () => {
      const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="root">${cond('=go')}</bpmn:startEvent>${userTask('t')}${flow('f0', 'root', 't')}
        ${boundary('static', 't', 'true')}${boundary('filter', 't', '=x > 1', { filter: { variableEvents: 'create, delete', variableNames: 'x, =y' } })}
        <bpmn:boundaryEvent id="empty" attachedToRef="t"><bpmn:conditionalEventDefinition/></bpmn:boundaryEvent>`));
      const byId = (id: string) => problems.filter((p) => p.elementId === id).map((p) => p.message);
      expect(byId('root').join()).to.match(/only executed in an event sub-process/);
      expect(byId('static').join()).to.match(/must be a FEEL expression starting with '='/);
      expect(byId('filter').join()).to.match(/'delete' is not one of create, update/).and.match(/must be static names, not expressions: '=y'/);
      expect(byId('empty').join()).to.match(/has no condition/);
    });

    it('reports a FEEL syntax error in the condition', async () => {
      const { problems } = await compile(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('t')}${flow('f0', 's', 't')}${boundary('b', 't', '=x >')}`));
      expect(problems.map((p) => `${p.elementId}: ${p.message}`).join()).to.match(/^b: condition: FEEL expression '=x >' does not parse/);
    });
  });

  describe('interrupting boundary event', () => {
    it('fires when a variable set on the instance makes it true, ending the activity and its job', async () => {
      const sim = new Sim(await boundaryModel('=x > 10')).start({ x: 1 });
      expect(sim.active()).to.deep.equal(['A']);
      sim.apply({ type: 'setVariables', variables: { x: 5 } });
      expect(sim.active()).to.deep.equal(['A']);
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(jobDeleted(sim.last)).to.equal(true);
      expect(sim.trail('terminated')).to.deep.equal(['A']);
      sim.completeTask('handle');
      expect(sim.s.status).to.equal('completed');
      sim.assertClean();
    });

    it('fires as soon as the activity is entered when the condition is already true', async () => {
      const sim = new Sim(await boundaryModel('=x > 10')).start({ x: 11 });
      // The job was created by the activation and cancelled by the boundary event, as in Zeebe.
      expect(sim.last.filter((e) => e.type === 'job.put' || e.type === 'job.delete').map((e) => e.type)).to.deep.equal(['job.put', 'job.delete']);
      expect(sim.active()).to.deep.equal(['handle']);
    });

    it('does not look at a condition over variables that do not exist yet: null is not true', async () => {
      const sim = new Sim(await boundaryModel('=x > 10')).start();
      expect(sim.active()).to.deep.equal(['A']);
      expect(sim.incidents()).to.deep.equal([]);
    });

    it('fires from a job completed elsewhere in the process, but not from its own activity\'s output', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>${serviceTask('A', 'work')}${userTask('B')}
        ${boundary('bA', 'A', '=x > 10')}${boundary('bB', 'B', '=x > 10')}${userTask('afterA')}${userTask('afterB')}${userTask('nextA')}
        ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'A')}${flow('f2', 'fork', 'B')}${flow('f3', 'bA', 'afterA')}${flow('f4', 'bB', 'afterB')}${flow('f5', 'A', 'nextA')}`));
      const sim = new Sim(m).start();
      sim.completeJob('A', { x: 11 });
      expect(sim.active()).to.deep.equal(['afterB', 'nextA']);
      expect(fired(sim, 'bA')).to.equal(0);
      expect(fired(sim, 'bB')).to.equal(1);
    });

    it('fires from a called instance\'s result and from a correlated message\'s variables', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>
        <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements></bpmn:callActivity>
        <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="Paid"/></bpmn:intermediateCatchEvent>
        ${userTask('B')}${boundary('bx', 'B', '=x > 10', { interrupting: false })}${boundary('by', 'B', '=y > 10', { interrupting: false })}${userTask('hx')}${userTask('hy')}
        ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'call')}${flow('f2', 'fork', 'paid')}${flow('f3', 'fork', 'B')}${flow('f4', 'bx', 'hx')}${flow('f5', 'by', 'hy')}`,
        '<bpmn:message id="Paid" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>'));
      const sim = new Sim(m).start({ orderId: 'O-1' });
      const call = Object.values(sim.s.elements).find((e) => e.elementId === 'call')!;
      sim.apply({ type: 'childCompleted', elementInstance: call.key, childId: call.child!, variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['B', 'hx', 'paid']);
      sim.apply({ type: 'correlateMessage', subscriptionId: Object.keys(sim.s.subscriptions!)[0], variables: { y: 11 } });
      expect(sim.active()).to.deep.equal(['B', 'hx', 'hy']);
    });

    it('with zeebe:conditionalFilter variableNames, only changes of those variables look at it', async () => {
      const sim = new Sim(await boundaryModel('=x > 10', { filter: { variableNames: 'recheck' } })).start({ x: 1 });
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['A']);
      sim.apply({ type: 'setVariables', variables: { recheck: true } });
      expect(sim.active()).to.deep.equal(['handle']);
    });

    it('without variableNames, a change of a variable the condition does not read is ignored', async () => {
      const sim = new Sim(await boundaryModel('=x > limit')).start({ x: 1, limit: 10, other: 0 });
      sim.apply({ type: 'setVariables', variables: { other: 1 } });
      sim.apply({ type: 'setVariables', variables: { limit: 0 } });
      expect(sim.active()).to.deep.equal(['handle']);
    });

    it('variableEvents="create" ignores updates; "update" ignores creation', async () => {
      let sim = new Sim(await boundaryModel('=x > 10', { filter: { variableEvents: 'create' } })).start({ x: 1 });
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['A']);
      sim = new Sim(await boundaryModel('=x > 10', { filter: { variableEvents: 'create' } })).start();
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['handle']);

      sim = new Sim(await boundaryModel('=x > 10', { filter: { variableEvents: 'update' } })).start();
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['A']);
      sim.apply({ type: 'setVariables', variables: { x: 12 } });
      expect(sim.active()).to.deep.equal(['handle']);
    });

    it('sees variables set on the activity itself, not those of a parallel sibling', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>${serviceTask('A', 'work')}${userTask('B')}
        ${boundary('b', 'A', '=x > 10')}${userTask('handle')}
        ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'A')}${flow('f2', 'fork', 'B')}${flow('f3', 'b', 'handle')}`));
      const sim = new Sim(m).start();
      const key = (id: string) => Object.values(sim.s.elements).find((e) => e.elementId === id)!.key;
      sim.apply({ type: 'setVariables', scope: key('B'), variables: { x: 99 } });
      expect(sim.active()).to.deep.equal(['A', 'B']);
      sim.apply({ type: 'setVariables', scope: key('A'), variables: { x: 99 } });
      expect(sim.active()).to.deep.equal(['B', 'handle']);
    });

    it('can be fired by the activity\'s own input mapping', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('A', 'work', '<zeebe:ioMapping><zeebe:input source="=amount * 2" target="x"/></zeebe:ioMapping>')}
        ${boundary('b', 'A', '=x > 10')}${userTask('handle')}${flow('f0', 's', 'A')}${flow('f1', 'b', 'handle')}`));
      expect(new Sim(m).start({ amount: 6 }).active()).to.deep.equal(['handle']);
      expect(new Sim(m).start({ amount: 5 }).active()).to.deep.equal(['A']);
    });

    it('is dropped with its activity: a later change fires nothing', async () => {
      const sim = new Sim(await boundaryModel('=x > 10')).start();
      expect(Object.keys(sim.s.conditions ?? {})).to.have.length(1);
      sim.completeJob('A');
      expect(sim.s.status).to.equal('completed');
      expect(sim.s.conditions).to.equal(undefined);
      sim.assertClean();
    });

    it('cancelling the instance removes the armed condition', async () => {
      const sim = new Sim(await boundaryModel('=x > 10')).start();
      sim.apply({ type: 'cancel' });
      sim.assertClean();
    });

    it('a non-boolean result is an incident naming the event and the expression; resolving it looks again', async () => {
      const sim = new Sim(await boundaryModel('=x')).start({ x: 'yes' });
      expect(sim.incidents()).to.deep.equal([`condition 'x' of conditional event 'b' returned "yes", not a boolean`]);
      expect(Object.values(sim.s.incidents)[0]).to.include({ type: 'CONDITION_ERROR', elementId: 'A' });
      sim.apply({ type: 'setVariables', variables: { x: true } });
      expect(sim.active()).to.deep.equal(['A']);
      sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
      expect(sim.active()).to.deep.equal(['handle']);
      expect(sim.incidents()).to.deep.equal([]);
    });
  });

  describe('non-interrupting boundary event', () => {
    it('fires on each relevant change that leaves it true, never on a change it does not read or a same-value write', async () => {
      const sim = new Sim(await boundaryModel('=x > 10', { interrupting: false })).start({ x: 1 });
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      expect(sim.active()).to.deep.equal(['A', 'handle']);
      sim.apply({ type: 'setVariables', variables: { x: 11 } });
      sim.apply({ type: 'setVariables', variables: { y: 'unrelated' } });
      expect(fired(sim, 'b')).to.equal(1);
      sim.apply({ type: 'setVariables', variables: { x: 3 } });
      expect(fired(sim, 'b')).to.equal(1);
      sim.apply({ type: 'setVariables', variables: { x: 20 } });
      expect(fired(sim, 'b')).to.equal(2);
      // Zeebe re-evaluates on every change of a variable the condition reads: 20 → 21 fires again.
      sim.apply({ type: 'setVariables', variables: { x: 21 } });
      expect(fired(sim, 'b')).to.equal(3);
      expect(sim.active()).to.deep.equal(['A', 'handle', 'handle', 'handle']);
    });

    it('fires at activation and keeps the activity and its job', async () => {
      const sim = new Sim(await boundaryModel('=x > 10', { interrupting: false })).start({ x: 11 });
      expect(sim.active()).to.deep.equal(['A', 'handle']);
      expect(jobDeleted(sim.last)).to.equal(false);
      sim.completeJob('A');
      sim.completeTask('handle');
      expect(sim.s.status).to.equal('completed');
      sim.assertClean();
    });

    it('fires once per command even when several variables it reads change', async () => {
      const sim = new Sim(await boundaryModel('=x > 10 or y > 10', { interrupting: false })).start();
      sim.apply({ type: 'setVariables', variables: { x: 11, y: 11 } });
      expect(fired(sim, 'b')).to.equal(1);
    });
  });

  describe('intermediate catch event', () => {
    const waitModel = (condition: string) =>
      model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">${cond(condition)}</bpmn:intermediateCatchEvent>${userTask('ship')}
        ${flow('f0', 's', 'wait')}${flow('f1', 'wait', 'ship')}`));

    it('waits until the condition becomes true', async () => {
      const sim = new Sim(await waitModel('=reserved = true')).start({ reserved: false });
      expect(sim.active()).to.deep.equal(['wait']);
      sim.apply({ type: 'setVariables', variables: { reserved: true } });
      expect(sim.active()).to.deep.equal(['ship']);
      expect(sim.s.conditions).to.equal(undefined);
    });

    it('passes straight on when the condition is true on arrival', async () => {
      expect(new Sim(await waitModel('=reserved = true')).start({ reserved: true }).active()).to.deep.equal(['ship']);
    });

    it('is released by a user task completed on a parallel path', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>${userTask('reserve')}
        <bpmn:intermediateCatchEvent id="wait">${cond('=reserved')}</bpmn:intermediateCatchEvent>${userTask('ship')}
        ${flow('f0', 's', 'fork')}${flow('f1', 'fork', 'reserve')}${flow('f2', 'fork', 'wait')}${flow('f3', 'wait', 'ship')}`));
      const sim = new Sim(m).start();
      sim.completeTask('reserve', { reserved: true });
      expect(sim.active()).to.deep.equal(['ship']);
    });

    it('a failing condition is an incident on the catch event; resolving it evaluates again', async () => {
      const sim = new Sim(await waitModel('=items')).start({ items: [1, 2] });
      expect(sim.incidents()).to.deep.equal([`condition 'items' of conditional event 'wait' returned [1,2], not a boolean`]);
      expect(Object.values(sim.s.incidents)[0]).to.include({ type: 'CONDITION_ERROR', elementId: 'wait' });
      sim.apply({ type: 'setVariables', variables: { items: true } });
      expect(sim.active()).to.deep.equal(['wait']);
      sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0] });
      expect(sim.active()).to.deep.equal(['ship']);
    });

    it('cancelling the instance removes the armed condition', async () => {
      const sim = new Sim(await waitModel('=reserved')).start();
      sim.apply({ type: 'cancel' });
      sim.assertClean();
    });
  });

  describe('event sub-process start', () => {
    const esp = (id: string, condition: string, interrupting: boolean) => `<bpmn:subProcess id="${id}" triggeredByEvent="true">
      <bpmn:startEvent id="${id}Start" isInterrupting="${interrupting}">${cond(condition)}</bpmn:startEvent>${userTask(`${id}Task`)}${flow(`${id}F`, `${id}Start`, `${id}Task`)}</bpmn:subProcess>`;

    it('interrupting, in a process: a variable change ends the main flow and runs the event sub-process', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('prepare')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'prepare')}${flow('f1', 'prepare', 'e')}
        ${esp('onCancel', '=canceled = true', true)}`));
      const sim = new Sim(m).start({ canceled: false });
      sim.apply({ type: 'setVariables', variables: { canceled: true } });
      expect(sim.active()).to.deep.equal(['onCancel', 'onCancelTask']);
      expect(sim.s.conditions).to.equal(undefined);
      sim.completeTask('onCancelTask');
      expect(sim.s.status).to.equal('completed');
      sim.assertClean();
    });

    it('interrupting and true when the process starts: it runs instead of the main flow', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('prepare')}${flow('f0', 's', 'prepare')}${esp('onCancel', '=canceled', true)}`));
      const sim = new Sim(m).start({ canceled: true });
      expect(sim.active()).to.deep.equal(['onCancel', 'onCancelTask']);
    });

    it('a process that ends while its event sub-process\'s condition is in error closes the incident', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('prepare')}<bpmn:endEvent id="e"/>${flow('f0', 's', 'prepare')}${flow('f1', 'prepare', 'e')}
        ${esp('onCancel', '=canceled', true)}`));
      const sim = new Sim(m).start({ canceled: 'maybe' });
      expect(sim.incidents()).to.deep.equal([`condition 'canceled' of conditional event 'onCancelStart' returned "maybe", not a boolean`]);
      sim.completeTask('prepare');
      expect(sim.s.status).to.equal('completed');
      expect(sim.last.filter((e) => e.type === 'incident.patch')).to.have.length(1);
      sim.assertClean();
    });

    it('non-interrupting, in an embedded sub-process: fires beside it on each change that leaves it true, and ends with the sub-process', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>
        <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>${userTask('work')}<bpmn:endEvent id="se"/>${flow('a0', 'ss', 'work')}${flow('a1', 'work', 'se')}
          ${esp('notify', '=risk > 5', false)}</bpmn:subProcess>
        ${userTask('after')}${flow('f0', 's', 'sub')}${flow('f1', 'sub', 'after')}`));
      const sim = new Sim(m).start({ risk: 0 });
      sim.apply({ type: 'setVariables', variables: { risk: 7 } });
      expect(sim.active()).to.deep.equal(['notify', 'notifyTask', 'sub', 'work']);
      sim.apply({ type: 'setVariables', variables: { risk: 1 } });
      sim.apply({ type: 'setVariables', variables: { risk: 9 } });
      expect(fired(sim, 'notifyStart')).to.equal(2);
      const [first, second] = Object.values(sim.s.tasks).filter((t) => sim.s.elements[t.elementInstance].elementId === 'notifyTask');
      sim.apply({ type: 'completeTask', taskId: first.id }).apply({ type: 'completeTask', taskId: second.id });
      sim.completeTask('work');
      expect(sim.active()).to.deep.equal(['after']);
      expect(sim.s.conditions).to.equal(undefined);
      sim.apply({ type: 'setVariables', variables: { risk: 10 } });
      expect(fired(sim, 'notifyStart')).to.equal(2);
      sim.completeTask('after');
      sim.assertClean();
    });

    it('interrupting, in an embedded sub-process, true when the sub-process starts', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('first')}
        <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>${userTask('work')}${flow('a0', 'ss', 'work')}${esp('skip', '=skip', true)}</bpmn:subProcess>
        ${flow('f0', 's', 'first')}${flow('f1', 'first', 'sub')}`));
      const sim = new Sim(m).start();
      sim.completeTask('first', { skip: true });
      expect(sim.active()).to.deep.equal(['skip', 'skipTask', 'sub']);
    });

    it('top-down: the outer interrupting event wins over an inner boundary event on the same change', async () => {
      const m = await model(bpmn('p', `<bpmn:startEvent id="s"/>${userTask('work')}${boundary('b', 'work', '=stop')}${userTask('handle')}
        ${flow('f0', 's', 'work')}${flow('f1', 'b', 'handle')}${esp('onStop', '=stop', true)}`));
      const sim = new Sim(m).start();
      sim.apply({ type: 'setVariables', variables: { stop: true } });
      expect(sim.active()).to.deep.equal(['onStop', 'onStopTask']);
      expect(fired(sim, 'b')).to.equal(0);
    });
  });
});
