// Call activity binding: latest version, or the newest version carrying a zeebe:versionTag.

import { expect } from 'chai';
import { step } from '../../engine/step.ts';
import { bpmn, compile, flow, model } from './harness.ts';

const caller = (attrs: string) => bpmn('p', `<bpmn:startEvent id="s"/>
  <bpmn:callActivity id="c"><bpmn:extensionElements><zeebe:calledElement processId="child" ${attrs}/></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:endEvent id="e"/>${flow('f0', 's', 'c')}${flow('f1', 'c', 'e')}`);

const startFollowUp = async (attrs: string) => {
  const result = step(await model(caller(attrs)), null, { type: 'start', instanceId: 'pi-1' }, { now: 0, newId: (() => { let n = 0; return () => `k${++n}`; })() });
  return result.calls;
};

describe('engine step: call activity binding', () => {
  it('asks for the version tag when bound by it, and for the latest otherwise', async () => {
    const [tagged] = await startFollowUp('bindingType="versionTag" versionTag="stable"');
    expect(tagged).to.deep.include({ kind: 'start', processId: 'child', versionTag: 'stable' });
    const [latest] = await startFollowUp('bindingType="latest"');
    expect(latest).to.deep.include({ kind: 'start', processId: 'child' });
    expect(latest).to.not.have.property('versionTag');
  });

  it('reads the process version tag into the model', async () => {
    const m = await model(caller('').replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements><zeebe:versionTag value="v2.1"/></bpmn:extensionElements>'));
    expect(m.versionTag).to.equal('v2.1');
    expect((await model(caller(''))).versionTag).to.equal(null);
  });

  it('rejects other binding types and a versionTag binding without a tag', async () => {
    for (const [attrs, message] of [
      ['bindingType="deployment"', "zeebe:calledElement bindingType 'deployment' is not supported; use 'latest' or 'versionTag'"],
      ['bindingType="versionTag"', "zeebe:calledElement bindingType 'versionTag' needs a versionTag"],
    ]) {
      const { problems } = await compile(caller(attrs));
      expect(problems.map((p) => `${p.elementId}: ${p.message}`)).to.deep.equal([`c: ${message}`]);
    }
  });
});
