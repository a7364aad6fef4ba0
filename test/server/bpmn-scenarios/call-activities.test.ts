// Call activities over HTTP: binding by latest version, version tag and deployment, input and
// output mappings, all child variables or only the mapped ones, child incidents seen from the
// parent, and cancel crossing over.
// (Errors crossing a call activity are in errors.test.ts.)

import { expect } from 'chai';
import { call, chain, defs, end, io, proc, start, svc, taggedProc } from './bpmn.ts';
import { describeScenarios } from './world.ts';

const child = (key: string, marker: string) =>
  defs(proc(key, start('s'), svc('work', `${key}.work`, io({ input: '=doubled' })), end('e'), chain('s', 'work', 'e')).replace('<bpmn:process', `<!-- ${marker} --><bpmn:process`));

describeScenarios('call activities', (scenario) => {
  scenario('calls the latest child version, with input and output mappings', async (w) => {
    await w.deploy(child('ca-child', 'v1'));
    await w.deploy(defs(proc('ca-parent', start('s'),
      call('c', 'ca-child', 'propagateAllChildVariables="false"', io({ doubled: '=amount * 2' }, { total: '=result + 1' })), end('e'), chain('s', 'c', 'e'))));
    const first = await w.start('ca-parent', { amount: 5, secret: 'parent-only' });
    const [v1] = await w.instances('ca-child');
    expect(v1.version).to.equal(1);
    const job = await w.job('ca-child.work');
    expect(job.variables).to.include({ doubled: 10, input: 10 });
    await w.completeJob(job, { result: 41, noise: 'child-only' });
    const done = await w.instance(first);
    expect(done.state).to.equal('completed');
    expect(done.variables).to.include({ total: 42, amount: 5 });
    expect(done.variables, 'only the mapped output comes back').to.not.have.any.keys('result', 'noise', 'doubled');

    // A new child version: the next call binds to it, the finished one stays on version 1.
    await w.deploy(child('ca-child', 'v2'));
    const second = await w.start('ca-parent', { amount: 1 });
    const v2 = (await w.instances('ca-child')).find((i) => i.state === 'active');
    expect(v2?.version).to.equal(2);
    await w.completeJob('ca-child.work', { result: 1 });
    expect(await w.stateOf(second)).to.equal('completed');
  });

  scenario('propagateAllChildVariables (the default) brings every child variable back', async (w) => {
    await w.deploy(
      defs(proc('ca-child-all', start('s'), svc('work', 'ca-child-all.work'), end('e'), chain('s', 'work', 'e'))),
      defs(proc('ca-parent-all', start('s'), call('c', 'ca-child-all'), end('e'), chain('s', 'c', 'e'))),
    );
    const id = await w.start('ca-parent-all', { given: 1 });
    const job = await w.job('ca-child-all.work');
    expect(job.variables, 'all parent variables go in').to.include({ given: 1 });
    await w.completeJob(job, { a: 1, b: 'two' });
    expect((await w.instance(id)).variables).to.include({ given: 1, a: 1, b: 'two' });
  });

  scenario('a child incident is visible from the parent; resolving it lets both finish', async (w) => {
    await w.deploy(
      defs(proc('ca-child-inc', start('s'), svc('work', 'ca-child-inc.work'), end('e'), chain('s', 'work', 'e'))),
      defs(proc('ca-parent-inc', start('s'), call('c', 'ca-child-inc'), end('e'), chain('s', 'c', 'e'))),
    );
    const id = await w.start('ca-parent-inc');
    const [kid] = await w.instances('ca-child-inc');
    await w.failJob(await w.job('ca-child-inc.work'), 0, 'ERP down');
    const seen = (await w.instance(id)).incidents;
    expect(seen.map((i) => [i.elementId, i.type, i.message])).to.deep.equal([['work', 'JOB_NO_RETRIES', 'ERP down']]);
    const [incident] = await w.incidents(kid.id);
    expect(incident.id).to.equal(seen[0].id);
    await w.resolve(incident);
    await w.completeJob('ca-child-inc.work');
    expect(await w.stateOf(kid.id)).to.equal('completed');
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('canceling the parent cancels the child, and a called process that does not exist is an incident', async (w) => {
    await w.deploy(
      defs(proc('ca-child-cancel', start('s'), svc('work', 'ca-child-cancel.work'), end('e'), chain('s', 'work', 'e'))),
      defs(proc('ca-parent-cancel', start('s'), call('c', 'ca-child-cancel'), call('missing', 'ca-no-such-process'), end('e'), chain('s', 'c', 'missing', 'e'))),
    );
    const id = await w.start('ca-parent-cancel');
    const [kid] = await w.instances('ca-child-cancel');
    await w.cancel(id);
    expect(await w.stateOf(kid.id)).to.equal('canceled');
    expect(await w.jobs('ca-child-cancel.work')).to.deep.equal([]);

    const next = await w.start('ca-parent-cancel');
    await w.completeJob('ca-child-cancel.work');
    const [incident] = await w.incidents(next);
    expect(incident).to.deep.include({ elementId: 'missing', type: 'CALLED_ELEMENT_ERROR' });
    await w.cancel(next);
  });

  scenario('binding by version tag calls the newest version carrying that tag', async (w) => {
    const tagged = (tag: string, marker: string) =>
      defs(taggedProc('ca-tagged', tag, start('s'), svc('work', 'ca-tagged.work', `<zeebe:taskHeaders><zeebe:header key="release" value="${marker}"/></zeebe:taskHeaders>`), end('e'), chain('s', 'work', 'e')));
    await w.deploy(tagged('stable', 'stable-1'));
    await w.deploy(tagged('stable', 'stable-2'));
    await w.deploy(tagged('beta', 'beta-1'));
    await w.deploy(
      defs(proc('ca-by-tag', start('s'), call('byTag', 'ca-tagged', 'bindingType="versionTag" versionTag="stable"'), call('latest', 'ca-tagged'), end('e'), chain('s', 'byTag', 'latest', 'e'))),
    );
    const id = await w.start('ca-by-tag');
    const first = await w.job('ca-tagged.work');
    expect(first.customHeaders, 'version 2, the newest tagged stable').to.deep.equal({ release: 'stable-2' });
    expect((await w.instance(first.processInstanceId)).version).to.equal(2);
    await w.completeJob(first);
    const second = await w.job('ca-tagged.work');
    expect(second.customHeaders, 'the latest binding takes version 3').to.deep.equal({ release: 'beta-1' });
    await w.completeJob(second);
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('a version tag no version carries is an incident on the call activity', async (w) => {
    await w.deploy(defs(taggedProc('ca-tagged2', 'v1', start('s'), end('e'), chain('s', 'e'))));
    await w.deploy(defs(proc('ca-bad-tag', start('s'), call('byTag', 'ca-tagged2', 'bindingType="versionTag" versionTag="v9"'), end('e'), chain('s', 'byTag', 'e'))));
    const id = await w.start('ca-bad-tag');
    const [incident] = await w.incidents(id);
    expect(incident).to.deep.include({ elementId: 'byTag', type: 'CALLED_ELEMENT_ERROR' });
    expect(incident.message).to.equal("call activity 'byTag': no deployed version of process 'ca-tagged2' has version tag 'v9'; deploy one and resolve this incident");
    // Deploying the tag and resolving the incident calls it.
    await w.deploy(defs(taggedProc('ca-tagged2', 'v9', start('s'), end('e2'), chain('s', 'e2'))));
    await w.resolve(incident);
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('binding by deployment calls the version deployed with the caller, not a later one', async (w) => {
    const called = (marker: string) =>
      defs(proc('ca-pinned-child', start('s'), svc('work', 'ca-pinned-child.work', `<zeebe:taskHeaders><zeebe:header key="release" value="${marker}"/></zeebe:taskHeaders>`), end('e'), chain('s', 'work', 'e')));
    await w.deploy(defs(proc('ca-pinned', start('s'), call('pinned', 'ca-pinned-child', 'bindingType="deployment"'), end('e'), chain('s', 'pinned', 'e'))), called('shipped-with-caller'));
    await w.deploy(called('later'));
    const id = await w.start('ca-pinned');
    const job = await w.job('ca-pinned-child.work');
    expect(job.customHeaders, 'version 1, deployed together with ca-pinned').to.deep.equal({ release: 'shipped-with-caller' });
    await w.completeJob(job);
    expect(await w.stateOf(id)).to.equal('completed');
  });

  scenario('an unknown binding type and a versionTag binding without a tag are rejected at deploy', async (w) => {
    const text = await w.deployRejected(defs(proc('ca-bad-binding', start('s'),
      call('pinned', 'x', 'bindingType="pinned"'), call('noTag', 'x', 'bindingType="versionTag"'), end('e'), chain('s', 'pinned', 'noTag', 'e'))));
    expect(text).to.contain('pinned').and.contain("bindingType 'pinned' is not one of latest, deployment, versionTag");
    expect(text).to.contain('noTag').and.contain("bindingType 'versionTag' needs a versionTag attribute");
  });
});
