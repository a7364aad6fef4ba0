// The bound on one instance's variables (all scopes): outside requests over it are refused with
// nothing changed; in-process results, output mappings and scripts over it become an incident
// that can be resolved once the variables are trimmed. The harness also checks after every
// command that the running size equals a full measure.

import { expect } from 'chai';
import { ManualClock } from '../../engine/clock.ts';
import { Engine } from '../../engine/engine.ts';
import { KarvonError } from '../../engine/errors.ts';
import type { InProcessJob, InProcessJobHandler, JobOutcome } from '../../engine/ports.ts';
import { setEngineLimits, type EngineLimits } from '../../engine/limits.ts';
import { instanceVariableBytes, InstanceVariablesTooLarge } from '../../engine/runtime/variable-size.ts';
import type { Command } from '../../engine/step.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, flow, model, serviceTask, Sim, userTask } from './harness.ts';

const LIMIT = 200;

function refusal(sim: Sim, command: Command): KarvonError {
  const before = structuredClone(sim.state);
  try {
    sim.apply(command);
  } catch (err) {
    expect(err).to.be.instanceOf(InstanceVariablesTooLarge);
    // Refused as a whole: the state the command was applied to is exactly as it was.
    expect(sim.state).to.deep.equal(before);
    return err as KarvonError;
  }
  throw new Error(`expected ${command.type} to be refused`);
}

const big = (n: number) => 'x'.repeat(n);

const jobThenTask = bpmn('p', `<bpmn:startEvent id="s"/>${serviceTask('fetch', 'crm.fetch')}${userTask('review')}<bpmn:endEvent id="e"/>
  ${flow('f1', 's', 'fetch')}${flow('f2', 'fetch', 'review')}${flow('f3', 'review', 'e')}`);

const message = `<bpmn:message id="Msg" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>`;
const waitForPayment = bpmn('pay', `<bpmn:startEvent id="s"/><bpmn:receiveTask id="wait" messageRef="Msg"/>${userTask('ship')}
  ${flow('f0', 's', 'wait')}${flow('f1', 'wait', 'ship')}`, message);

const scripted = bpmn('p', `<bpmn:startEvent id="s"/>
  <bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=string join(for i in 1..50 return &quot;abcd&quot;)" resultVariable="r"/></bpmn:extensionElements></bpmn:scriptTask>
  ${userTask('after')}<bpmn:endEvent id="e"/>${flow('f1', 's', 'calc')}${flow('f2', 'calc', 'after')}${flow('f3', 'after', 'e')}`);

const mapped = bpmn('p', `<bpmn:startEvent id="s"/>
  ${userTask('enter', '<zeebe:ioMapping><zeebe:output source="=note + note + note" target="notes"/></zeebe:ioMapping>')}
  <bpmn:endEvent id="e"/>${flow('f1', 's', 'enter')}${flow('f2', 'enter', 'e')}`);

const mappedJob = bpmn('p', `<bpmn:startEvent id="s"/>
  ${serviceTask('fetch', 'crm.fetch', '<zeebe:ioMapping><zeebe:output source="=note + note + note" target="notes"/></zeebe:ioMapping>')}
  <bpmn:endEvent id="e"/>${flow('f1', 's', 'fetch')}${flow('f2', 'fetch', 'e')}`);

describe('engine limits: total size of an instance\'s variables', () => {
  let before: EngineLimits;
  beforeEach(() => {
    before = setEngineLimits({ maxInstanceVariablesBytes: LIMIT });
  });
  afterEach(() => {
    setEngineLimits(before);
  });

  it('measures names and JSON values of every scope in UTF-8 bytes', () => {
    // "a" + "\"é\"" (4 bytes) + "b" + "[1,2]" (5) + "c" + "null" (4)
    expect(instanceVariableBytes({ vars: { '0': { a: 'é', b: [1, 2] }, '3': { c: null } } })).to.equal(1 + 4 + 1 + 5 + 1 + 4);
  });

  it('refuses a start over the bound, naming the instance, the size and the limit', async () => {
    const sim = new Sim(await model(jobThenTask));
    const err = refusal(sim, { type: 'start', instanceId: 'pi-1', variables: { blob: big(300) } });
    expect(err.status).to.equal(422);
    expect(err.code).to.equal('INSTANCE_VARIABLES_TOO_LARGE');
    expect(err.message).to.equal('the variables of process instance pi-1 would be 306 bytes; the limit is 200 bytes (KARVON_MAX_INSTANCE_VARIABLES_BYTES)');
    expect(sim.state).to.equal(null);
  });

  it('refuses variable updates, task completions and messages that would pass it, and changes nothing', async () => {
    const sim = new Sim(await model(jobThenTask)).start({ a: big(100) });
    sim.completeJob('fetch', { b: big(50) });
    expect(sim.active()).to.deep.equal(['review']);
    expect(sim.s.varBytes).to.equal(1 + 102 + 1 + 52);

    const update = refusal(sim, { type: 'setVariables', variables: { c: big(50) } });
    expect(update.message).to.include('would be 209 bytes; the limit is 200 bytes');
    refusal(sim, { type: 'completeTask', taskId: sim.task('review'), variables: { c: big(50) } });
    expect(sim.active()).to.deep.equal(['review']);

    // Within the bound both go through; replacing a value counts only the difference.
    sim.apply({ type: 'setVariables', variables: { a: big(140) } });
    expect(sim.s.varBytes).to.equal(1 + 142 + 1 + 52);
    sim.completeTask('review', { b: 'ok' });
    expect(sim.s.status).to.equal('completed');

    const pay = new Sim(await model(waitForPayment)).start({ orderId: 7, a: big(150) });
    const subscriptionId = Object.keys(pay.s.subscriptions ?? {})[0]!;
    refusal(pay, { type: 'correlateMessage', subscriptionId, variables: { receipt: big(60) } });
    pay.apply({ type: 'correlateMessage', subscriptionId, variables: { receipt: 'r-1' } });
    expect(pay.active()).to.deep.equal(['ship']);
  });

  it('refuses an external worker\'s job result, but makes an in-process adapter\'s an incident', async () => {
    const external = new Sim(await model(jobThenTask)).start({ a: big(100) });
    refusal(external, { type: 'completeJob', jobKey: external.job('fetch'), variables: { b: big(120) } });

    const sim = new Sim(await model(jobThenTask)).start({ a: big(100) });
    const jobKey = sim.job('fetch');
    sim.apply({ type: 'completeJob', jobKey, variables: { b: big(120) }, inProcess: true });
    expect(sim.active()).to.deep.equal(['fetch']);
    expect(sim.vars()).to.deep.equal({ a: big(100) });
    const [incident] = Object.values(sim.s.incidents);
    expect(incident).to.deep.include({ elementId: 'fetch', type: 'VARIABLES_TOO_LARGE' });
    expect(incident!.message).to.equal(
      "result of 'fetch' not applied: the variables of process instance pi-1 would be 226 bytes; the limit is 200 bytes (KARVON_MAX_INSTANCE_VARIABLES_BYTES); trim the variables, then resolve the incident",
    );
    // Never truncated: the adapter's result waits on the element for the retry.
    expect(sim.s.elements[Object.values(sim.s.elements).find((e) => e.elementId === 'fetch')!.key]!.pending).to.deep.equal({ b: big(120) });

    // Resolving without trimming opens the same incident again.
    sim.apply({ type: 'resolveIncident', incidentId: incident!.id });
    expect(sim.active()).to.deep.equal(['fetch']);
    expect(Object.values(sim.s.incidents).map((i) => i.type)).to.deep.equal(['VARIABLES_TOO_LARGE']);

    // Trimming through the variables route, then resolving, applies the result and goes on.
    sim.apply({ type: 'setVariables', variables: { a: null } });
    sim.apply({ type: 'resolveIncident', incidentId: Object.keys(sim.s.incidents)[0]! });
    expect(sim.active()).to.deep.equal(['review']);
    expect(sim.vars()).to.deep.equal({ a: null, b: big(120) });
    sim.completeTask('review');
    sim.assertClean();
  });

  it('makes a script result or an output mapping over the bound an incident on its element', async () => {
    const script = new Sim(await model(scripted)).start({ pad: big(10) });
    expect(script.active()).to.deep.equal(['calc']);
    expect(Object.values(script.s.incidents).map((i) => [i.elementId, i.type])).to.deep.equal([['calc', 'VARIABLES_TOO_LARGE']]);
    expect(script.vars()).to.deep.equal({ pad: big(10) });

    // An in-process adapter's result through an output mapping: the element's incident.
    const job = new Sim(await model(mappedJob)).start();
    job.apply({ type: 'completeJob', jobKey: job.job('fetch'), variables: { note: big(80) }, inProcess: true });
    expect(Object.values(job.s.incidents).map((i) => [i.elementId, i.type])).to.deep.equal([['fetch', 'VARIABLES_TOO_LARGE']]);
    expect(job.vars()).to.deep.equal({});
  });

  it('refuses a task completion whose output mapping of its own variables would pass the bound', async () => {
    // The completion itself is small; what it asks the element to keep (three copies) is not.
    const sim = new Sim(await model(mapped)).start();
    refusal(sim, { type: 'completeTask', taskId: sim.task('enter'), variables: { note: big(80) } });
    expect(sim.active()).to.deep.equal(['enter']);
    sim.completeTask('enter', { note: big(40) });
    expect(sim.vars()).to.deep.equal({ notes: big(120) });
  });

  it('lets a request shrink an instance already over a lowered bound', async () => {
    const sim = new Sim(await model(jobThenTask)).start({ a: big(150), b: big(30) });
    setEngineLimits({ maxInstanceVariablesBytes: 100 });
    sim.apply({ type: 'setVariables', variables: { a: big(120) } });
    expect(sim.vars().a).to.equal(big(120));
    refusal(sim, { type: 'setVariables', variables: { c: 1 } });
  });

  it('measures a state written before the running size existed once, then keeps it', async () => {
    const sim = new Sim(await model(jobThenTask)).start({ a: big(100) });
    delete sim.s.varBytes;
    sim.completeJob('fetch', { b: 1 });
    expect(sim.s.varBytes).to.equal(1 + 102 + 1 + 1);
  });
});

/** An in-process adapter whose answer is as large as the test asks. */
class SizedAdapter implements InProcessJobHandler {
  size = 0;
  handles(type: string): boolean {
    return type === 'crm.fetch';
  }
  async run(_job: InProcessJob): Promise<JobOutcome> {
    return { kind: 'complete', variables: { card: big(this.size) } };
  }
}

forEachBackend('engine: instance variable bound', (backend) => {
  let engine: Engine;
  let adapter: SizedAdapter;
  let before: EngineLimits;

  beforeEach(async () => {
    before = setEngineLimits({ maxInstanceVariablesBytes: 500 });
    adapter = new SizedAdapter();
    engine = await Engine.open({ store: await backend.open(), clock: new ManualClock('2026-03-01T09:00:00Z'), handlers: [adapter] });
    await engine.deploy([{ name: 'p.bpmn', content: jobThenTask }]);
  });

  afterEach(async () => {
    await engine.close();
    await engine.store.close();
    setEngineLimits(before);
  });

  it('an adapter result over the bound is an incident; trimming and resolving carries the instance on', async () => {
    adapter.size = 300;
    const { id } = await engine.startInstance({ processKey: 'p', variables: { notes: big(250) } });
    await engine.settle();
    let view = await engine.getInstance(id);
    expect(view.activeElements).to.deep.equal(['fetch']);
    expect(view.incidents.map((i) => [i.elementId, i.type])).to.deep.equal([['fetch', 'VARIABLES_TOO_LARGE']]);
    expect(view.incidents[0]!.message).to.include('would be 563 bytes; the limit is 500 bytes');
    expect(view.variables).to.deep.equal({ notes: big(250) });

    // A request from outside that would grow it further is refused, and the stored state stays.
    const refused = await engine.setVariables(id, { more: big(300) }).then(() => null, (e: KarvonError) => e);
    expect(refused?.code).to.equal('INSTANCE_VARIABLES_TOO_LARGE');
    expect((await engine.getInstance(id)).variables).to.deep.equal({ notes: big(250) });

    await engine.setVariables(id, { notes: 'trimmed' });
    await engine.resolveIncident(view.incidents[0]!.id);
    await engine.settle();
    view = await engine.getInstance(id);
    expect(view.incidents).to.deep.equal([]);
    expect(view.activeElements).to.deep.equal(['review']);
    expect(view.variables).to.deep.equal({ notes: 'trimmed', card: big(300) });
  });
});
