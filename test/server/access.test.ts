// Table-driven access rules over every declared route: no token → 401, and every role that the
// route does not allow → 403, both in the contract's error shape and before any input is read.

import { expect } from 'chai';
import { ROLES, type Role, type Route } from '../../server/http/route.ts';
import { TestServer } from './helpers.ts';

const ONE_ROLE_USERS: Record<Exclude<Role, 'admin'>, string> = {
  analyst: 'anna',
  employee: 'aziz',
  developer: 'dev',
};

function concretePath(route: Route): string {
  return route.path.replace(/\{[^}]+\}/g, 'does-not-exist');
}

describe('server: access rules for every route', () => {
  let server: TestServer;
  let routes: Route[];

  before(async () => {
    server = await TestServer.start();
    await server.createUsers([
      { username: 'anna', roles: ['analyst'] },
      { username: 'aziz', roles: ['employee'], groups: ['sales'] },
      { username: 'dev', roles: ['developer'] },
    ]);
    routes = server.running.karvon.routes;
  });
  after(() => server.close());

  it('has routes to check', () => {
    expect(routes.length).to.be.greaterThan(20);
  });

  it('answers 401 without a token on every non-public route', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const res = await server.call<{ error?: { code: string; details: unknown[] } }>(route.method.toUpperCase(), concretePath(route), {
        body: route.body ? {} : undefined,
      });
      if (res.status !== 401 || res.body.error?.code !== 'UNAUTHENTICATED' || !Array.isArray(res.body.error.details)) {
        failures.push(`${route.method} ${route.path} → ${res.status}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('answers 403 for every role a route does not allow', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      if (!Array.isArray(route.access)) continue;
      for (const role of ROLES) {
        if (role === 'admin' || route.access.includes(role)) continue;
        const user = ONE_ROLE_USERS[role];
        const res = await server.as<{ error?: { code: string } }>(user, route.method.toUpperCase(), concretePath(route), {
          // Deliberately invalid: the role check must come before validation.
          body: route.body ? { unexpected: true } : undefined,
        });
        checked++;
        if (res.status !== 403 || res.body.error?.code !== 'FORBIDDEN') failures.push(`${role} ${route.method} ${route.path} → ${res.status}`);
      }
    }
    expect(failures).to.deep.equal([]);
    expect(checked).to.be.greaterThan(10);
  });

  it('lets admin through every role check (what follows is 404 or validation, never 401/403)', async () => {
    const failures: string[] = [];
    // Logout would revoke the token the rest of the loop uses.
    for (const route of routes.filter((r) => r.access !== 'public' && !r.stream && r.operationId !== 'logout')) {
      const res = await server.as('admin', route.method.toUpperCase(), concretePath(route), { body: route.body ? {} : undefined });
      if (res.status === 401 || res.status === 403) failures.push(`${route.method} ${route.path} → ${res.status}`);
    }
    expect(failures).to.deep.equal([]);
  });

  it('declares the roles of the contract', () => {
    const access = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)?.access;
    expect(access('post', '/api/deployments')).to.deep.equal(['admin', 'analyst']);
    expect(access('post', '/api/users')).to.deep.equal(['admin']);
    expect(access('get', '/api/users')).to.deep.equal(['admin']);
    expect(access('post', '/api/jobs/activate')).to.deep.equal(['admin', 'developer']);
    expect(access('post', '/api/tasks/{id}/assign')).to.deep.equal(['admin', 'analyst']);
    expect(access('post', '/api/auth/login')).to.equal('public');
    expect(access('get', '/api/openapi.json')).to.equal('public');
  });
});
