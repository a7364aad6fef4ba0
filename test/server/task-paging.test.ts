// GET /api/tasks as the inbox calls it: pages of `limit` tasks chained by the X-Next-Cursor
// header, and `q` searching on the server, with an employee's visibility unchanged.

import { expect } from 'chai';
import { offeredTo, TestServer } from './helpers.ts';

interface Task {
  id: string;
  processInstanceId: string;
}

describe('server: task list paging and search', function () {
  this.timeout(60_000);
  let server: TestServer;
  const salesInstances: string[] = [];

  before(async () => {
    server = await TestServer.start();
    await server.createUsers([
      { username: 'anna', roles: ['analyst'] },
      { username: 'sam', roles: ['employee'], groups: ['sales'] },
      { username: 'fay', roles: ['employee'], groups: ['finance'] },
    ]);
    const resources = [
      { name: 'sales.bpmn', content: offeredTo('sales_review', 'sales') },
      { name: 'finance.bpmn', content: offeredTo('finance_review', 'finance') },
    ];
    const deployed = await server.as('anna', 'POST', '/api/deployments', { body: { resources } });
    expect(deployed.status, deployed.text).to.equal(201);
    for (let i = 1; i <= 7; i++) {
      const started = await server.as<{ id: string }>('sam', 'POST', '/api/process-instances', {
        body: { processKey: 'sales_review', businessKey: `ORD-${i}` },
      });
      expect(started.status, started.text).to.equal(201);
      salesInstances.push(started.body.id);
    }
    const other = await server.as('fay', 'POST', '/api/process-instances', {
      body: { processKey: 'finance_review', businessKey: 'ORD-99' },
    });
    expect(other.status, other.text).to.equal(201);
  });
  after(() => server.close());

  it('chains pages with X-Next-Cursor until the last page, which has none', async () => {
    const whole = await server.as<Task[]>('sam', 'GET', '/api/tasks');
    expect(whole.headers.get('x-next-cursor'), 'no cursor without a limit').to.equal(null);
    expect(whole.body.map((t) => t.processInstanceId).sort()).to.deep.equal([...salesInstances].sort());

    const pages: Task[][] = [];
    let path = '/api/tasks?limit=3';
    for (;;) {
      const res = await server.as<Task[]>('sam', 'GET', path);
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.be.an('array');
      pages.push(res.body);
      const next = res.headers.get('x-next-cursor');
      if (next === null) break;
      expect(pages.length, 'paging ends').to.be.lessThan(5);
      path = `/api/tasks?limit=3&after=${encodeURIComponent(next)}`;
    }
    expect(pages.map((p) => p.length)).to.deep.equal([3, 3, 1]);
    expect(pages.flat().map((t) => t.id)).to.deep.equal(whole.body.map((t) => t.id));
  });

  it('searches business keys, task names and process keys on the server, within what the user may see', async () => {
    const byKey = await server.as<Task[]>('sam', 'GET', '/api/tasks?q=ord-5');
    expect(byKey.body.map((t) => t.processInstanceId)).to.deep.equal([salesInstances[4]]);
    expect((await server.as<Task[]>('sam', 'GET', '/api/tasks?q=ORD-99')).body).to.deep.equal([]);
    expect((await server.as<Task[]>('fay', 'GET', '/api/tasks?q=ORD-99')).body).to.have.length(1);
    expect((await server.as<Task[]>('sam', 'GET', '/api/tasks?q=review%20SALES')).body).to.have.length(7);
    expect((await server.as<Task[]>('fay', 'GET', '/api/tasks?q=sales_review')).body).to.deep.equal([]);

    const first = await server.as<Task[]>('sam', 'GET', '/api/tasks?q=ord&limit=5');
    expect(first.body).to.have.length(5);
    const next = first.headers.get('x-next-cursor');
    expect(next).to.be.a('string');
    const rest = await server.as<Task[]>('sam', 'GET', `/api/tasks?q=ord&limit=5&after=${encodeURIComponent(next!)}`);
    expect(rest.body).to.have.length(2);
    expect(rest.headers.get('x-next-cursor')).to.equal(null);
  });

  it('rejects a cursor it did not hand out, naming the parameter', async () => {
    for (const bad of ['nonsense', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      const res = await server.as<{ details?: Array<{ path: string }> }>('sam', 'GET', `/api/tasks?limit=3&after=${bad}`);
      expect(res.status, bad).to.equal(400);
      expect(res.text).to.include('/query/after');
    }
  });

  it('documents the search, the cursor and the header in OpenAPI', async () => {
    const doc = await server.call<{ paths: Record<string, { get: { parameters: Array<{ name: string }>; responses: Record<string, { headers?: object }> } }> }>(
      'GET',
      '/api/openapi.json',
    );
    const list = doc.body.paths['/api/tasks'].get;
    expect(list.parameters.map((p) => p.name)).to.include.members(['q', 'after', 'limit']);
    expect(list.responses['200'].headers).to.have.property('X-Next-Cursor');
  });
});
