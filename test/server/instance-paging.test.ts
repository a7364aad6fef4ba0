// GET /api/process-instances as "My cases" calls it: newest first, pages of `limit` instances
// chained by the X-Next-Cursor header, with an employee's visibility unchanged.

import { expect } from 'chai';
import { offeredTo, TestServer } from './helpers.ts';

interface Instance {
  id: string;
  startedAt: string;
  startedBy?: string | null;
}

describe('server: instance list paging', function () {
  this.timeout(60_000);
  let server: TestServer;
  const samStarted: string[] = [];
  const sueStarted: string[] = [];
  let finance = '';

  before(async () => {
    server = await TestServer.start();
    await server.createUsers([
      { username: 'anna', roles: ['analyst'] },
      { username: 'sam', roles: ['employee'], groups: ['sales'] },
      { username: 'sue', roles: ['employee'], groups: ['sales'] },
      { username: 'fay', roles: ['employee'], groups: ['finance'] },
    ]);
    const resources = [
      { name: 'sales.bpmn', content: offeredTo('sales_review', 'sales') },
      { name: 'finance.bpmn', content: offeredTo('finance_review', 'finance') },
    ];
    const deployed = await server.as('anna', 'POST', '/api/deployments', { body: { resources } });
    expect(deployed.status, deployed.text).to.equal(201);
    const start = async (user: string, processKey: string, businessKey: string) => {
      const res = await server.as<{ id: string }>(user, 'POST', '/api/process-instances', { body: { processKey, businessKey } });
      expect(res.status, res.text).to.equal(201);
      return res.body.id;
    };
    for (let i = 1; i <= 7; i++) samStarted.push(await start('sam', 'sales_review', `ORD-${i}`));
    // Started by someone else, but offered to sam's group: sam works on these too.
    for (let i = 8; i <= 9; i++) sueStarted.push(await start('sue', 'sales_review', `ORD-${i}`));
    finance = await start('fay', 'finance_review', 'ORD-99');
  });
  after(() => server.close());

  async function allPages(user: string, query: string, limit: number): Promise<Instance[][]> {
    const pages: Instance[][] = [];
    let path = `/api/process-instances?${query}&limit=${limit}`;
    for (;;) {
      const res = await server.as<Instance[]>(user, 'GET', path);
      expect(res.status, res.text).to.equal(200);
      pages.push(res.body);
      const next = res.headers.get('x-next-cursor');
      if (next === null) break;
      expect(pages.length, 'paging ends').to.be.lessThan(10);
      path = `/api/process-instances?${query}&limit=${limit}&after=${encodeURIComponent(next)}`;
    }
    return pages;
  }

  const newestFirst = (list: Instance[]) =>
    [...list].sort((a, b) => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1)).map((i) => i.id);

  it('pages what an employee may see, newest first, with no duplicates or gaps', async () => {
    const whole = await server.as<Instance[]>('sam', 'GET', '/api/process-instances?order=newest');
    expect(whole.headers.get('x-next-cursor'), 'no cursor without a limit').to.equal(null);
    expect(whole.body.map((i) => i.id).sort()).to.deep.equal([...samStarted, ...sueStarted].sort());
    expect(whole.body.map((i) => i.id)).to.deep.equal(newestFirst(whole.body));

    const pages = await allPages('sam', 'order=newest', 4);
    expect(pages.map((p) => p.length)).to.deep.equal([4, 4, 1]);
    expect(pages.flat().map((i) => i.id)).to.deep.equal(whole.body.map((i) => i.id));
  });

  it('pages the instances I started (startedBy=me) in the store, in both orders', async () => {
    for (const order of ['oldest', 'newest']) {
      const pages = await allPages('sam', `startedBy=me&order=${order}`, 3);
      expect(pages.map((p) => p.length), order).to.deep.equal([3, 3, 1]);
      const ids = pages.flat().map((i) => i.id);
      expect(new Set(ids).size, order).to.equal(7);
      expect([...ids].sort(), order).to.deep.equal([...samStarted].sort());
      const ordered = newestFirst(pages.flat());
      expect(ids, order).to.deep.equal(order === 'newest' ? ordered : ordered.reverse());
    }
  });

  it('pages everything for an analyst, oldest first by default', async () => {
    const pages = await allPages('anna', 'processKey=sales_review', 4);
    expect(pages.map((p) => p.length)).to.deep.equal([4, 4, 1]);
    const ids = pages.flat().map((i) => i.id);
    expect([...ids].sort()).to.deep.equal([...samStarted, ...sueStarted].sort());
    expect(ids).to.deep.equal(newestFirst(pages.flat()).reverse());
    const fin = await server.as<Instance[]>('anna', 'GET', '/api/process-instances?processKey=finance_review&limit=1');
    expect(fin.body.map((i) => i.id)).to.deep.equal([finance]);
    // A page exactly full sends a cursor; the page after it is empty and ends the paging.
    const next = fin.headers.get('x-next-cursor');
    expect(next).to.be.a('string');
    const rest = await server.as<Instance[]>('anna', 'GET', `/api/process-instances?processKey=finance_review&limit=1&after=${encodeURIComponent(next!)}`);
    expect(rest.body).to.deep.equal([]);
    expect(rest.headers.get('x-next-cursor')).to.equal(null);
  });

  it('rejects a cursor it did not hand out, naming the parameter', async () => {
    for (const bad of ['nonsense', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["a"]').toString('base64url')]) {
      const res = await server.as('sam', 'GET', `/api/process-instances?limit=3&after=${bad}`);
      expect(res.status, bad).to.equal(400);
      expect(res.text).to.include('/query/after');
    }
    const order = await server.as('sam', 'GET', '/api/process-instances?order=sideways');
    expect(order.status).to.equal(400);
  });

  it('documents the order, the cursor and the header in OpenAPI', async () => {
    const doc = await server.call<{ paths: Record<string, { get: { parameters: Array<{ name: string }>; responses: Record<string, { headers?: object }> } }> }>(
      'GET',
      '/api/openapi.json',
    );
    const list = doc.body.paths['/api/process-instances'].get;
    expect(list.parameters.map((p) => p.name)).to.include.members(['order', 'after', 'limit']);
    expect(list.responses['200'].headers).to.have.property('X-Next-Cursor');
  });
});
