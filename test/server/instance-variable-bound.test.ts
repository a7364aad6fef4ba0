// The bound on one instance's variables over HTTP: every route that adds variables to a running
// instance refuses to pass it with 422 in the one error shape, naming the instance, the size
// and the limit, and the instance is left as it was.

import { expect } from 'chai';
import { DEFAULT_ENGINE_LIMITS, engineLimits, setEngineLimits, type EngineLimits } from '../../engine/limits.ts';
import { diagram, TestServer } from './helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; details: Array<{ path?: string; message: string }> };
}

const LIMIT = 2048;

describe('server: instance variable bound', () => {
  let server: TestServer;
  let limitsBefore: EngineLimits;

  before(async () => {
    limitsBefore = { ...engineLimits() };
    server = await TestServer.start({ engineLimits: { ...DEFAULT_ENGINE_LIMITS, maxInstanceVariablesBytes: LIMIT } });
    await server.createUsers([
      { username: 'anna', roles: ['analyst'] },
      { username: 'aziz', roles: ['employee'], groups: ['sales'] },
    ]);
    const xml = diagram(
      'bounded',
      `<bpmn:startEvent id="s"/>
      <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements></bpmn:userTask>
      <bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/><bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/>`,
    );
    const deployed = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'b.bpmn', content: xml }] } });
    expect(deployed.status, deployed.text).to.equal(201);
  });
  after(async () => {
    await server.close();
    setEngineLimits(limitsBefore);
  });

  it('refuses a start, a variables update and a task completion over the bound with 422, changing nothing', async () => {
    const tooBigStart = await server.as<ErrorBody>('anna', 'POST', '/api/process-instances', { body: { processKey: 'bounded', variables: { blob: 'x'.repeat(3000) } } });
    expect(tooBigStart.status).to.equal(422);
    expect(tooBigStart.body.error.code).to.equal('INSTANCE_VARIABLES_TOO_LARGE');
    expect((await server.as<unknown[]>('anna', 'GET', '/api/process-instances?processKey=bounded')).body).to.deep.equal([]);

    const started = await server.as<{ id: string }>('anna', 'POST', '/api/process-instances', { body: { processKey: 'bounded', variables: { notes: 'x'.repeat(1500) } } });
    expect(started.status, started.text).to.equal(201);
    const id = started.body.id;

    const update = await server.as<ErrorBody>('anna', 'POST', `/api/process-instances/${id}/variables`, { body: { variables: { more: 'y'.repeat(600) } } });
    expect(update.status).to.equal(422);
    expect(update.body).to.deep.equal({
      error: {
        code: 'INSTANCE_VARIABLES_TOO_LARGE',
        message: `the variables of process instance ${id} would be 2113 bytes; the limit is ${LIMIT} bytes (KARVON_MAX_INSTANCE_VARIABLES_BYTES)`,
        details: [{ path: '/body/variables', message: `2113 bytes for the instance after this request; the limit is ${LIMIT}` }],
      },
    });

    const tasks = await server.as<Array<{ id: string }>>('aziz', 'GET', `/api/tasks?processInstanceId=${id}`);
    const taskId = tasks.body[0]!.id;
    const complete = await server.as<ErrorBody>('aziz', 'POST', `/api/tasks/${taskId}/complete`, { body: { variables: { more: 'y'.repeat(600) } } });
    expect(complete.status).to.equal(422);
    expect(complete.body.error.message).to.include(`process instance ${id} would be 2113 bytes`);

    const detail = await server.as<{ variables: Record<string, unknown>; activeElements: string[] }>('anna', 'GET', `/api/process-instances/${id}`);
    expect(detail.body.variables).to.deep.equal({ notes: 'x'.repeat(1500) });
    expect(detail.body.activeElements).to.deep.equal(['review']);

    // Trimmed, the same completion goes through.
    expect((await server.as('anna', 'POST', `/api/process-instances/${id}/variables`, { body: { variables: { notes: 'short' } } })).status).to.equal(200);
    expect((await server.as('aziz', 'POST', `/api/tasks/${taskId}/complete`, { body: { variables: { more: 'y'.repeat(600) } } })).status).to.equal(200);
  });

  it('lists the 422 in the OpenAPI description of the routes that add variables', async () => {
    const doc = await server.call<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>('GET', '/api/openapi.json');
    for (const [path, method] of [
      ['/api/process-instances', 'post'],
      ['/api/process-instances/{id}/variables', 'post'],
      ['/api/tasks/{id}/complete', 'post'],
      ['/api/jobs/{id}/complete', 'post'],
      ['/api/jobs/{id}/error', 'post'],
      ['/api/messages', 'post'],
    ] as const) {
      expect(doc.body.paths[path]![method]!.responses, path).to.have.property('422');
    }
  });
});
