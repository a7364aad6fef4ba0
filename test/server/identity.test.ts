import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../engine/store/sqlite.ts';
import type { Store } from '../../engine/store/port.ts';
import { IdentityService, tokenHash } from '../../server/identity/service.ts';
import { ADMIN_PASSWORD, PASSWORD, TestServer } from './helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; details: { path?: string; message: string }[] };
}

describe('server: identity', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ loginMaxFailures: 3 });
    await server.createUsers([{ username: 'aziz', roles: ['employee'], groups: ['sales'], displayName: 'Aziz Rakhimov' }]);
  });
  after(() => server.close());

  it('creates admin on a new store with KARVON_ADMIN_PASSWORD and signs in', async () => {
    const res = await server.call<{ token: string; user: unknown }>('POST', '/api/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.status).to.equal(200);
    expect(res.body.token).to.be.a('string').with.length.greaterThan(30);
    expect(res.body.user).to.deep.equal({ username: 'admin', displayName: 'Administrator', roles: ['admin'], groups: [] });
  });

  it('GET /api/me returns the same user as login', async () => {
    const res = await server.as('aziz', 'GET', '/api/me');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ username: 'aziz', displayName: 'Aziz Rakhimov', roles: ['employee'], groups: ['sales'] });
  });

  it('rejects a wrong password with 401 in the error shape', async () => {
    const res = await server.call<ErrorBody>('POST', '/api/auth/login', { body: { username: 'aziz', password: 'nope-nope' } });
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
    expect(res.body.error.details).to.deep.equal([]);
  });

  it('rejects an unknown or malformed token with 401', async () => {
    expect((await server.call('GET', '/api/me', { token: 'not-a-token' })).status).to.equal(401);
    const res = await server.call('GET', '/api/me', { headers: { authorization: 'Basic YWRtaW46eA==' } });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal('Bearer');
  });

  it('logout revokes the token', async () => {
    const login = await server.call<{ token: string }>('POST', '/api/auth/login', { body: { username: 'aziz', password: PASSWORD } });
    const token = login.body.token;
    expect((await server.call('GET', '/api/me', { token })).status).to.equal(200);
    expect((await server.call('POST', '/api/auth/logout', { token })).status).to.equal(200);
    expect((await server.call('GET', '/api/me', { token })).status).to.equal(401);
  });

  it('admin creates and lists users; passwords never come back', async () => {
    const admin = await server.login('admin');
    const created = await server.call('POST', '/api/users', {
      token: admin,
      body: { username: 'bobur', password: PASSWORD, displayName: 'Bobur', roles: ['employee'], groups: ['warehouse'] },
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.deep.equal({ username: 'bobur', displayName: 'Bobur', roles: ['employee'], groups: ['warehouse'] });
    const list = await server.call<{ username: string }[]>('GET', '/api/users', { token: admin });
    expect(list.status).to.equal(200);
    expect(list.body.map((u) => u.username)).to.include.members(['admin', 'aziz', 'bobur']);
    expect(list.text).not.to.match(/password|scrypt/i);
  });

  it('refuses a duplicate username with 409', async () => {
    const res = await server.as<ErrorBody>('admin', 'POST', '/api/users', {
      body: { username: 'aziz', password: PASSWORD, roles: ['employee'] },
    });
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal('CONFLICT');
  });

  it('throttles repeated failures per username and address with 429 and a growing Retry-After', async () => {
    await server.createUsers([{ username: 'target', roles: ['employee'] }]);
    const attempt = (password: string) =>
      server.call<ErrorBody>('POST', '/api/auth/login', { body: { username: 'target', password } });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong-guess')).status).to.equal(401);
    const blocked = await attempt(PASSWORD);
    expect(blocked.status).to.equal(429);
    expect(blocked.body.error.code).to.equal('TOO_MANY_REQUESTS');
    expect(Number(blocked.headers.get('retry-after'))).to.be.greaterThan(0);
    // Another username from the same address is not affected.
    expect((await server.call('POST', '/api/auth/login', { body: { username: 'aziz', password: PASSWORD } })).status).to.equal(200);
  });

  it('answers security headers on every response', async () => {
    for (const p of ['/health', '/api/me', '/api/nope', '/']) {
      const res = await server.call('GET', p);
      expect(res.headers.get('x-content-type-options'), p).to.equal('nosniff');
      expect(res.headers.get('content-security-policy'), p).to.include("default-src 'self'");
      expect(res.headers.get('x-frame-options'), p).to.equal('SAMEORIGIN');
      expect(res.headers.get('x-request-id'), p).to.be.a('string');
    }
  });
});

describe('server: identity service', () => {
  let dir: string;
  let store: Store;
  let now: number;
  let identity: IdentityService;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'karvon-identity-'));
    store = await openSqliteStore({ file: path.join(dir, 'k.db') });
    now = Date.parse('2026-01-01T00:00:00Z');
    identity = new IdentityService(store, {
      tokenTtlMs: 60_000,
      throttle: { maxFailures: 2, lockoutMs: 10_000, maxLockoutMs: 60_000 },
      now: () => now,
    });
    await identity.createUser({ username: 'u', password: PASSWORD, roles: ['employee'] });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores only the hash of a token, and the token expires', async () => {
    const { token } = await identity.login('u', PASSWORD, '1.2.3.4');
    const sessions = store.collection({ name: 'sessions', indexes: ['username'] });
    expect(await sessions.get(token)).to.equal(null);
    expect(await sessions.get(tokenHash(token))).not.to.equal(null);
    expect(await identity.authenticate(token)).to.include({ username: 'u' });
    now += 60_000;
    expect(await identity.authenticate(token)).to.equal(null);
  });

  it('stores a salted scrypt hash, different for the same password', async () => {
    await identity.createUser({ username: 'v', password: PASSWORD, roles: ['employee'] });
    const a = (await identity.users.get('u'))!.passwordHash;
    const b = (await identity.users.get('v'))!.passwordHash;
    expect(a).to.match(/^scrypt\$/);
    expect(a).not.to.equal(b);
    expect(a).not.to.include(PASSWORD);
  });

  it('locks out after the failures, doubles the lockout, and a success resets', async () => {
    const fail = () => identity.login('u', 'bad-password', 'ip').catch((e: { status: number; retryAfterSeconds?: number }) => e);
    expect(await fail()).to.include({ status: 401 });
    expect(await fail()).to.include({ status: 401 });
    expect(await fail()).to.include({ status: 429, retryAfterSeconds: 10 });
    now += 10_000;
    expect(await fail()).to.include({ status: 401 });
    expect(await fail()).to.include({ status: 429, retryAfterSeconds: 20 });
    now += 20_000;
    expect((await identity.login('u', PASSWORD, 'ip')).user.username).to.equal('u');
    expect(await fail()).to.include({ status: 401 });
  });
});
