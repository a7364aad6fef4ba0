// Call activity binding over HTTP: a version tag shows on each process version, a call bound by
// tag starts the highest tagged version and becomes an incident until one is deployed, a call
// bound by deployment keeps calling the version shipped with it, and a start may name a tag.

import { expect } from 'chai';
import { CAST, NS, TestServer } from './helpers.ts';

interface Instance {
  id: string;
  processKey: string;
  version: number;
  state: string;
  activeElements: string[];
}
interface Job {
  id: string;
  processInstanceId: string;
}
interface Incident {
  id: string;
  processInstanceId: string;
  elementId: string;
  type: string;
  message: string;
}
interface ProcessDetail {
  versions: Array<{ version: number; versionTag?: string }>;
}

const flow = (id: string, from: string, to: string) => `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"/>`;

/** `pricing`: one job whose type names the revision, optionally tagged. */
function pricing(revision: string, tag?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs_pricing" targetNamespace="http://karvon.test">
  <bpmn:process id="pricing" isExecutable="true">
    ${tag ? `<bpmn:extensionElements><zeebe:versionTag value="${tag}"/></bpmn:extensionElements>` : ''}
    <bpmn:startEvent id="s"/>
    <bpmn:serviceTask id="price"><bpmn:extensionElements><zeebe:taskDefinition type="pricing.${revision}"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="e"/>
    ${flow('p1', 's', 'price')}${flow('p2', 'price', 'e')}
  </bpmn:process>
</bpmn:definitions>`;
}

/** A caller `key` whose call activity `quote` calls pricing with the given calledElement attributes. */
function quote(key: string, attrs: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs_${key}" targetNamespace="http://karvon.test">
  <bpmn:process id="${key}" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:callActivity id="quote"><bpmn:extensionElements><zeebe:calledElement processId="pricing" ${attrs}/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:endEvent id="e"/>
    ${flow('q1', 's', 'quote')}${flow('q2', 'quote', 'e')}
  </bpmn:process>
</bpmn:definitions>`;
}

describe('server: call activity binding', () => {
  let server: TestServer;

  before(async () => {
    // The test clock lets `settle` wait for the follow-ups between caller and called instance.
    server = await TestServer.start({ testClock: true });
    await server.createUsers(CAST);
  });
  after(() => server.close());

  const deploy = async (...resources: Array<[string, string]>) => {
    const res = await server.as<{ processes: Array<{ key: string; version: number }> }>('anna', 'POST', '/api/deployments', {
      body: { resources: resources.map(([name, content]) => ({ name, content })) },
    });
    expect(res.status, res.text).to.equal(201);
    return res.body.processes;
  };
  /** Moving the test clock by nothing answers once everything due, follow-ups included, has run. */
  const settle = async () => {
    const res = await server.as('admin', 'POST', '/api/clock', { body: { addMs: 0 } });
    expect(res.status, res.text).to.equal(200);
  };
  const start = async (body: Record<string, unknown>) => {
    const res = await server.as<Instance>('anna', 'POST', '/api/process-instances', { body });
    expect(res.status, res.text).to.equal(201);
    await settle();
    return res.body;
  };
  /** Completes the one open job of `type` and returns the instance it belonged to. */
  const completeJob = async (type: string): Promise<Instance> => {
    const jobs = await server.as<Job[]>('dev', 'POST', '/api/jobs/activate', { body: { type, worker: 'w', maxJobs: 5, lockMs: 60_000 } });
    expect(jobs.body, `one ${type} job`).to.have.length(1);
    const child = (await server.as<Instance>('anna', 'GET', `/api/process-instances/${jobs.body[0]!.processInstanceId}`)).body;
    expect((await server.as('dev', 'POST', `/api/jobs/${jobs.body[0]!.id}/complete`, { body: {} })).status).to.equal(200);
    await settle();
    return child;
  };
  const instance = async (id: string) => (await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`)).body;

  it('versionTag: lists tags per version, calls the highest tagged version, and an untagged call is an incident until the tag is deployed', async () => {
    await deploy(['pricing.bpmn', pricing('a', 'stable')]);
    await deploy(['pricing.bpmn', pricing('b', 'stable')]);
    await deploy(['pricing.bpmn', pricing('c')]);
    const detail = await server.as<ProcessDetail>('anna', 'GET', '/api/processes/pricing');
    expect(detail.body.versions).to.have.length(3);
    expect(detail.body.versions.map((v) => v.versionTag)).to.deep.equal(['stable', 'stable', undefined]);

    await deploy(['stable-quote.bpmn', quote('stablequote', 'bindingType="versionTag" versionTag="stable"')]);
    const stable = await start({ processKey: 'stablequote' });
    const child = await completeJob('pricing.b');
    expect([child.processKey, child.version]).to.deep.equal(['pricing', 2]);
    expect((await instance(stable.id)).state).to.equal('completed');

    await deploy(['next-quote.bpmn', quote('nextquote', 'bindingType="versionTag" versionTag="next"')]);
    const next = await start({ processKey: 'nextquote' });
    const incidents = await server.as<Incident[]>('anna', 'GET', `/api/incidents?state=open&processInstanceId=${next.id}`);
    expect(incidents.body).to.have.length(1);
    expect(incidents.body[0]).to.deep.include({
      elementId: 'quote',
      type: 'CALLED_ELEMENT_ERROR',
      message: `call activity 'quote': no deployed version of process 'pricing' has version tag 'next'; deploy one and resolve this incident`,
    });
    await deploy(['pricing.bpmn', pricing('d', 'next')]);
    expect((await server.as('admin', 'POST', `/api/incidents/${incidents.body[0]!.id}/resolve`)).status).to.be.oneOf([200, 204]);
    await settle();
    expect((await completeJob('pricing.d')).version).to.equal(4);
    expect((await instance(next.id)).state).to.equal('completed');
  });

  it('deployment: the caller keeps calling the version deployed with it after pricing moves on', async () => {
    const deployed = await deploy(['pinned.bpmn', quote('pinned', 'bindingType="deployment"')], ['pricing.bpmn', pricing('e')]);
    const pricingVersion = deployed.find((p) => p.key === 'pricing')!.version;
    await deploy(['pricing.bpmn', pricing('f', 'stable')]);
    const pinned = await start({ processKey: 'pinned' });
    expect((await completeJob('pricing.e')).version).to.equal(pricingVersion);
    expect((await instance(pinned.id)).state).to.equal('completed');
  });

  it('a start may name a version tag instead of a version', async () => {
    const started = await start({ processKey: 'pricing', versionTag: 'next' });
    expect(started.version).to.equal(4);
    await completeJob('pricing.d');
    const unknown = await server.as<{ error: { message: string } }>('anna', 'POST', '/api/process-instances', { body: { processKey: 'pricing', versionTag: 'v0' } });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.message).to.equal(`process 'pricing' has no version with version tag 'v0'`);
    const both = await server.as('anna', 'POST', '/api/process-instances', { body: { processKey: 'pricing', version: 1, versionTag: 'next' } });
    expect(both.status).to.equal(400);
  });
});
