// Call activity binding types (Camunda 8 `zeebe:calledElement bindingType`): which version of the
// called process starts. First the compiled model and the pure step's follow-up, then the engine
// facade on every store backend: latest, versionTag (highest version with the tag), deployment
// (the version deployed together with the caller), and the incident when no version fits.

import { expect } from 'chai';
import { Engine } from '../../engine/engine.ts';
import { ManualClock } from '../../engine/clock.ts';
import { step } from '../../engine/step.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, compile, flow, model, serviceTask, userTask } from './harness.ts';

/** order: start → call `check` (calledElement attributes as given) → user task `ship`. */
const caller = (attrs: string, key = 'order', marker = '') =>
  bpmn(key, `<bpmn:startEvent id="s"/>
  <bpmn:callActivity id="check" name="${marker}"><bpmn:extensionElements><zeebe:calledElement processId="credit" ${attrs}/></bpmn:extensionElements></bpmn:callActivity>
  ${userTask('ship')}${flow('f0', 's', 'check')}${flow('f1', 'check', 'ship')}`);

/** credit: one job of type `credit.<revision>`, so each deployed revision differs; optional version tag. */
const credit = (revision: string, tag?: string) =>
  bpmn('credit', `${tag ? `<bpmn:extensionElements><zeebe:versionTag value="${tag}"/></bpmn:extensionElements>` : ''}
  <bpmn:startEvent id="s"/>${serviceTask('score', `credit.${revision}`)}<bpmn:endEvent id="e"/>
  ${flow('a0', 's', 'score')}${flow('a1', 'score', 'e')}`);

describe('call activity binding (compile and pure step)', () => {
  it('reads the process version tag and each binding type into the model', async () => {
    expect((await model(credit('a', ' 2.1 '))).versionTag).to.equal('2.1');
    expect((await model(credit('a'))).versionTag).to.equal(null);
    const call = async (attrs: string) => (await model(caller(attrs))).elements.get('check')!.call!.binding;
    expect(await call('')).to.deep.equal({ type: 'latest' });
    expect(await call('bindingType="latest"')).to.deep.equal({ type: 'latest' });
    expect(await call('bindingType="deployment"')).to.deep.equal({ type: 'deployment' });
    expect(await call('bindingType="versionTag" versionTag="v2"')).to.deep.equal({ type: 'versionTag', versionTag: 'v2' });
  });

  it('rejects an unknown binding type and a versionTag binding without a tag, naming the call activity', async () => {
    const unknown = await compile(caller('bindingType="pinned"'));
    expect(unknown.problems).to.deep.equal([
      { elementId: 'check', elementType: 'bpmn:CallActivity', message: `zeebe:calledElement bindingType 'pinned' is not one of latest, deployment, versionTag` },
    ]);
    const untagged = await compile(caller('bindingType="versionTag"'));
    expect(untagged.problems).to.deep.equal([
      { elementId: 'check', elementType: 'bpmn:CallActivity', message: `zeebe:calledElement bindingType 'versionTag' needs a versionTag attribute naming the called version` },
    ]);
  });

  it('hands the binding and the caller to the child start it asks for', async () => {
    const m = await model(caller('bindingType="versionTag" versionTag="v2"'));
    const { calls } = step(m, null, { type: 'start', instanceId: 'pi-1', variables: { a: 1 } }, { now: 0, newId: () => 'k' });
    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.include({
      kind: 'start',
      processId: 'credit',
      binding: { type: 'versionTag', versionTag: 'v2' },
      caller: { elementId: 'check', definitionId: 'order:1' },
      variables: { a: 1 },
    });
  });
});

forEachBackend('call activity binding through the engine', (backend) => {
  let engine: Engine;

  beforeEach(async () => {
    engine = await Engine.open({ store: await backend.open(), clock: new ManualClock('2026-03-01T09:00:00Z') });
  });

  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  /** Starts `key`, lets the call activity act, and returns the child's version (null: none started). */
  async function calledVersion(key = 'order'): Promise<{ parent: string; version: number | null }> {
    const pi = await engine.startInstance({ processKey: key });
    await engine.settle();
    return { parent: pi.id, version: await childVersion(pi.id) };
  }

  async function childVersion(parentId: string): Promise<number | null> {
    const state = await engine.getInstanceState(parentId);
    const child = Object.values(state!.elements).find((e) => e.child)?.child;
    return child ? (await engine.getInstance(child)).version : null;
  }

  it('latest (the default) starts the newest version at activation', async () => {
    await engine.deploy([{ name: 'credit.bpmn', content: credit('a', '1.0') }]);
    await engine.deploy([{ name: 'order.bpmn', content: caller('') }]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('b') }]);
    expect((await calledVersion()).version).to.equal(2);
  });

  it('versionTag starts the highest version carrying the tag, not the latest', async () => {
    await engine.deploy([{ name: 'credit.bpmn', content: credit('a', '1.0') }]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('b', '1.0') }]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('c', '2.0') }]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('d') }]);
    await engine.deploy([{ name: 'order.bpmn', content: caller('bindingType="versionTag" versionTag="1.0"') }]);
    const { parent, version } = await calledVersion();
    expect(version).to.equal(2);
    const [job] = await engine.activateJobs({ type: 'credit.b', worker: 't', maxJobs: 1, lockMs: 1000 });
    await engine.completeJob(job.id, {});
    await engine.settle();
    expect((await engine.getInstance(parent)).activeElements).to.deep.equal(['ship']);

    const detail = await engine.getProcess('credit');
    expect(detail.versions.map((v) => [v.version, v.versionTag])).to.deep.equal([[1, '1.0'], [2, '1.0'], [3, '2.0'], [4, undefined]]);
    expect(detail.versions[3]).to.not.have.property('versionTag');
  });

  it('a tag no version carries is an incident naming the call activity, process and tag; deploying it and resolving starts that version', async () => {
    await engine.deploy([{ name: 'credit.bpmn', content: credit('a', '1.0') }]);
    await engine.deploy([{ name: 'order.bpmn', content: caller('bindingType="versionTag" versionTag="3.0"') }]);
    const { parent, version } = await calledVersion();
    expect(version).to.equal(null);
    const [incident] = (await engine.getInstance(parent)).incidents;
    expect(incident).to.include({
      type: 'CALLED_ELEMENT_ERROR',
      elementId: 'check',
      message: `call activity 'check': no deployed version of process 'credit' has version tag '3.0'; deploy one and resolve this incident`,
    });

    await engine.deploy([{ name: 'credit.bpmn', content: credit('b', '3.0') }]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('c') }]);
    await engine.resolveIncident(incident.id);
    await engine.settle();
    expect(await childVersion(parent)).to.equal(2);
    expect((await engine.getInstance(parent)).incidents).to.deep.equal([]);
  });

  it('deployment starts the version deployed with the caller, also when that deploy left it unchanged', async () => {
    // One deployment creates order v1 and credit v1; a later one changes only credit.
    await engine.deploy([
      { name: 'order.bpmn', content: caller('bindingType="deployment"') },
      { name: 'credit.bpmn', content: credit('a') },
    ]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('b') }]);
    expect((await calledVersion()).version).to.equal(1);

    // order v2 is deployed next to credit 'c', which that deploy finds unchanged (still v3);
    // a later credit v4 does not change what order v2 calls.
    await engine.deploy([{ name: 'credit.bpmn', content: credit('c') }]);
    const redeploy = await engine.deploy([
      { name: 'order.bpmn', content: caller('bindingType="deployment"', 'order', 'v2') },
      { name: 'credit.bpmn', content: credit('c') },
    ]);
    expect(redeploy.processes.map((p) => [p.key, p.version])).to.deep.equal([['order', 2], ['credit', 3]]);
    await engine.deploy([{ name: 'credit.bpmn', content: credit('d') }]);
    expect((await calledVersion()).version).to.equal(3);
  });

  it('deployment without the called process in the caller deployment is an incident', async () => {
    await engine.deploy([{ name: 'credit.bpmn', content: credit('a') }]);
    await engine.deploy([{ name: 'order.bpmn', content: caller('bindingType="deployment"') }]);
    const { parent, version } = await calledVersion();
    expect(version).to.equal(null);
    const [incident] = (await engine.getInstance(parent)).incidents;
    expect(incident.message).to.match(/^call activity 'check' binds to its deployment, but process 'credit' was not deployed together with 'order' version 1 \(deployment .+\)$/);
  });
});
