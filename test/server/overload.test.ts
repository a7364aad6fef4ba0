// Admission control: past KARVON_MAX_IN_FLIGHT requests in progress, the API answers 429
// OVERLOADED with Retry-After at once instead of queueing. Requests are held in a route whose
// handler waits on a gate the test opens, so "in flight" is exact rather than timed.

import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { expect } from 'chai';
import { Admission, OverloadedError } from '../../server/http/admission.ts';
import { defineRoute, ok } from '../../server/http/route.ts';
import type { RouteModule } from '../../server/context.ts';
import { routeModules } from '../../server/routes/index.ts';
import { TestServer, type HttpResult } from './helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

/** A route that parks each request until `release()`; `arrived(n)` resolves once n are parked. */
function holdingRoute() {
  let parked = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const module: RouteModule = () => [
    defineRoute({
      operationId: 'testHold',
      method: 'post',
      path: '/api/test/hold',
      summary: 'Test only: waits for the gate',
      tags: ['test'],
      access: 'authenticated',
      responses: { 200: { description: 'Released.' } },
      handler: async () => {
        parked++;
        waiters.filter((w) => w.n <= parked).forEach((w) => w.resolve());
        await gate;
        return ok({ released: true });
      },
    }),
  ];
  return {
    module,
    arrived: (n: number) => new Promise<void>((resolve) => (n <= parked ? resolve() : waiters.push({ n, resolve }))),
    release: () => open(),
  };
}

describe('server: overload answers 429 OVERLOADED', () => {
  let server: TestServer;
  let hold: ReturnType<typeof holdingRoute>;
  let admin: string;

  before(async () => {
    hold = holdingRoute();
    server = await TestServer.start({ maxInFlight: 2, overloadRetryAfterSeconds: 3 }, { modules: [...routeModules, hold.module] });
    admin = await server.login('admin');
  });
  after(() => server.close());

  it('turns requests away past the bound, sign-in included, keeps health and metrics open, and admits again once requests finish', async () => {
    const held = [server.call('POST', '/api/test/hold', { token: admin }), server.call('POST', '/api/test/hold', { token: admin })];
    await hold.arrived(2);

    const refused = await server.call<ErrorBody>('GET', '/api/processes', { token: admin });
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.equal('3');
    expect(refused.body.error.code).to.equal('OVERLOADED');
    expect(refused.body.error.message).to.equal('The server is busy (2 requests in progress); nothing was done. Retry after 3 s.');
    // Refused before the token is looked at: an anonymous caller gets the same answer, not a 401.
    const anonymous = await server.call<ErrorBody>('POST', '/api/process-instances', { body: { processKey: 'p' } });
    expect(anonymous.status).to.equal(429);

    expect((await server.call('GET', '/health')).status).to.equal(200);
    // Sign-in is admitted like any other request: a password check is expensive scrypt work.
    const login = await server.call<ErrorBody>('POST', '/api/auth/login', { body: { username: 'admin', password: 'wrong-password' } });
    expect(login.status).to.equal(429);
    const metrics = await server.call<string>('GET', '/metrics');
    expect(metrics.text).to.match(/^karvon_http_overload_rejections_total 3$/m);

    hold.release();
    const released = (await Promise.all(held)) as HttpResult<{ released: boolean }>[];
    expect(released.map((r) => r.status)).to.deep.equal([200, 200]);
    const after = await server.call('GET', '/api/processes', { token: admin });
    expect(after.status).to.equal(200);
  });

  it('documents 429 on admitted routes only', async () => {
    const doc = (await server.call<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>('GET', '/api/openapi.json')).body;
    expect(doc.paths['/api/process-instances']!.post!.responses).to.have.property('429');
    expect(doc.paths['/health']!.get!.responses).not.to.have.property('429');
  });
});

describe('server: overload seen as event-loop lag', () => {
  it('refuses while the loop runs later than the bound and admits once it catches up', () => {
    let lag = 0;
    let rejected = 0;
    const admission = new Admission({ maxInFlight: 0, maxEventLoopLagMs: 500, eventLoopLag: () => lag, retryAfterSeconds: 2, onReject: () => rejected++ });
    const attempt = () => {
      const res = new EventEmitter() as unknown as Response;
      let outcome: unknown = 'not called';
      admission.gate({} as Request, res, (err?: unknown) => (outcome = err));
      return { outcome, res };
    };
    lag = 1200;
    const refused = attempt().outcome;
    expect(refused).to.be.instanceOf(OverloadedError);
    expect((refused as OverloadedError).message).to.equal('The server is busy (requests wait 1200 ms before they are read); nothing was done. Retry after 2 s.');
    expect((refused as OverloadedError).retryAfterSeconds).to.equal(2);
    expect(rejected).to.equal(1);
    lag = 20;
    const admitted = attempt();
    expect(admitted.outcome).to.equal(undefined);
    expect(admission.current).to.equal(1);
    (admitted.res as unknown as EventEmitter).emit('finish');
    (admitted.res as unknown as EventEmitter).emit('close');
    expect(admission.current).to.equal(0);
  });

  it('answers 429 right after the loop was blocked, on a real server', async () => {
    const server = await TestServer.start({ maxEventLoopLagMs: 100 });
    try {
      const admin = await server.login('admin');
      // Stands for a burst of synchronous work (a large deploy, a flood of requests).
      const until = performance.now() + 400;
      while (performance.now() < until);
      const res = await server.call<ErrorBody>('GET', '/api/processes', { token: admin });
      expect(res.status).to.equal(429);
      expect(res.body.error.code).to.equal('OVERLOADED');
      expect(res.body.error.message).to.match(/^The server is busy \(requests wait \d+ ms before they are read\)/);
      expect(res.headers.get('retry-after')).to.equal('1');
    } finally {
      await server.close();
    }
  });
});
