// examples/worker/worker.mjs against a real started server: it signs in, leases the job, and
// completes it, or throws the BPMN error the diagram catches.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CAST, NS, PASSWORD, TestServer } from '../../server/helpers.ts';

const run = promisify(execFile);
const WORKER = path.resolve('examples/worker/worker.mjs');

const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs_quote" targetNamespace="http://karvon.test">
  <bpmn:error id="Err_NoRoute" errorCode="NO_ROUTE"/>
  <bpmn:process id="quote" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:serviceTask id="Task_Quote"><bpmn:extensionElements><zeebe:taskDefinition type="shipping.quote" retries="3"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="noRoute" attachedToRef="Task_Quote"><bpmn:errorEventDefinition errorRef="Err_NoRoute"/></bpmn:boundaryEvent>
    <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="noCarrier"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Task_Quote"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_Quote" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="e"/>
    <bpmn:sequenceFlow id="f4" sourceRef="noRoute" targetRef="noCarrier"/>
    <bpmn:sequenceFlow id="f5" sourceRef="noCarrier" targetRef="e2"/>
  </bpmn:process>
</bpmn:definitions>`;

interface Instance {
  activeElements: string[];
  variables: Record<string, unknown>;
}

describe('examples/worker against a real server', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    await server.createUsers(CAST);
    const deployed = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'quote.bpmn', content: xml }] } });
    expect(deployed.status, deployed.text).to.equal(201);
  });
  after(() => server.close());

  async function startAndWait(variables: Record<string, unknown>): Promise<string> {
    const res = await server.as<{ id: string }>('aziz', 'POST', '/api/process-instances', { body: { processKey: 'quote', variables } });
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  async function waitFor(id: string, elementId: string): Promise<Instance> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const inst = (await server.as<Instance>('anna', 'GET', `/api/process-instances/${id}`)).body;
      if (inst.activeElements.includes(elementId)) return inst;
      if (Date.now() > deadline) throw new Error(`instance ${id} never reached ${elementId}: ${inst.activeElements.join(',')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const worker = () => run(process.execPath, [WORKER, '--once'], { env: { ...process.env, KARVON_URL: server.url, KARVON_USERNAME: 'dev', KARVON_PASSWORD: PASSWORD, WORKER_NAME: 'test-worker' } });

  it('completes a job with its result, and throws NO_ROUTE as a BPMN error', async () => {
    const shipped = await startAndWait({ weightKg: 2.5, countryCode: 'UZ' });
    const stranded = await startAndWait({ weightKg: 1, countryCode: 'FR' });
    await waitFor(shipped, 'Task_Quote');
    await waitFor(stranded, 'Task_Quote');

    const { stdout } = await worker();
    expect(stdout).to.contain('completed').and.contain('threw NO_ROUTE');

    const done = await waitFor(shipped, 'review');
    expect(done.variables.quote).to.deep.equal({ carrier: 'UzPost', price: 35_000, currency: 'UZS', days: 2 });
    await waitFor(stranded, 'noCarrier');
  });
});
