// Configuration from the environment, seeding of a new store, and the production guard.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, readConfig } from '../../server/config.ts';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { diagram, TestServer } from './helpers.ts';

describe('server: configuration', () => {
  it('chooses the timer driver: store by default, agenda only with MongoDB, nothing else', () => {
    expect(readConfig({}).timerDriver).to.equal('store');
    expect(readConfig({ MONGODB_URL: 'mongodb://127.0.0.1/k' }).timerDriver).to.equal('agenda');
    expect(readConfig({ KARVON_TIMER_DRIVER: 'store', MONGODB_URL: 'mongodb://127.0.0.1/k' }).timerDriver).to.equal('store');
    expect(readConfig({ KARVON_TIMER_DRIVER: 'agenda', MONGODB_URL: 'mongodb://127.0.0.1/k' }).timerDriver).to.equal('agenda');
    expect(() => readConfig({ KARVON_TIMER_DRIVER: 'agenda' })).to.throw(ConfigError, /needs MONGODB_URL/);
    expect(() => readConfig({ KARVON_TIMER_DRIVER: 'cron' })).to.throw(ConfigError, /KARVON_TIMER_DRIVER must be 'store' or 'agenda', not 'cron'/);
  });

  it('reads the contract variables with their defaults', () => {
    const c = readConfig({});
    expect(c).to.include({ port: 3000, mongodbUrl: null, adminPassword: null, demo: false, testClock: false, production: false });
    expect(c.dataDir).to.equal(path.resolve('./data'));
    expect(c.tokenTtlMs).to.equal(12 * 3600_000);
    expect(c.bodyLimit).to.equal(1024 * 1024);
    expect(c.deployBodyLimit).to.equal(10 * 1024 * 1024);
    const d = readConfig({ PORT: '8080', KARVON_DATA_DIR: '/tmp/k', KARVON_DEMO: '1', KARVON_TEST_CLOCK: '1', MONGODB_URL: 'mongodb://x' });
    expect(d).to.include({ port: 8080, dataDir: '/tmp/k', demo: true, testClock: true, mongodbUrl: 'mongodb://x' });
  });

  it('production needs KARVON_ADMIN_PASSWORD and never runs the demo', () => {
    expect(() => readConfig({ NODE_ENV: 'production' })).to.throw(ConfigError, /KARVON_ADMIN_PASSWORD/);
    expect(readConfig({ NODE_ENV: 'production', KARVON_ADMIN_PASSWORD: 'x', KARVON_DEMO: '1' }).demo).to.equal(false);
  });

  it('rejects nonsense values with the variable name', () => {
    expect(() => readConfig({ PORT: 'eighty' })).to.throw(/PORT/);
    expect(() => readConfig({ KARVON_DEMO: 'maybe' })).to.throw(/KARVON_DEMO/);
  });

  it('main.ts refuses to start in production without an admin password', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: '0' };
    delete env.KARVON_ADMIN_PASSWORD;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include('KARVON_ADMIN_PASSWORD must be set');
  });
});

describe('server: demo mode on a new store', () => {
  let dir: string;
  let server: TestServer;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'karvon-demo-'));
    await mkdir(path.join(dir, 'hello'));
    await writeFile(
      path.join(dir, 'hello', 'hello.bpmn'),
      diagram('hello', '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>', 'Hello'),
    );
    server = await TestServer.start({ demo: true, processesDir: dir });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds the demo users with their roles and groups', async () => {
    const expected: Record<string, { roles: string[]; groups: string[] }> = {
      anna: { roles: ['analyst'], groups: [] },
      aziz: { roles: ['employee'], groups: ['sales'] },
      dilnoza: { roles: ['employee'], groups: ['sales'] },
      timur: { roles: ['employee'], groups: ['warehouse'] },
      dev: { roles: ['developer'], groups: [] },
    };
    for (const [username, want] of Object.entries(expected)) {
      const res = await server.call<{ user: { roles: string[]; groups: string[] } }>('POST', '/api/auth/login', {
        body: { username, password: DEMO_PASSWORD },
      });
      expect(res.status, username).to.equal(200);
      expect({ roles: res.body.user.roles, groups: res.body.user.groups }).to.deep.equal(want);
    }
    expect(server.running.seeded.demoUsers.map((u) => u.username)).to.deep.equal(Object.keys(expected));
  });

  it('deploys everything under processes/, as the analyst', async () => {
    const token = await server.login('aziz', DEMO_PASSWORD);
    const res = await server.call<{ versions: { deployedBy: string }[] }>('GET', '/api/processes/hello', { token });
    expect(res.status).to.equal(200);
    expect(res.body.versions.map((v) => v.deployedBy)).to.deep.equal(['anna']);
  });
});

describe('server: without demo mode', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ demo: false });
  });
  after(() => server.close());

  it('has only the admin account', async () => {
    const users = await server.as<{ username: string }[]>('admin', 'GET', '/api/users');
    expect(users.body.map((u) => u.username)).to.deep.equal(['admin']);
    expect(server.running.seeded.admin).to.deep.equal({ password: 'admin-secret-1', generated: false });
  });
});

describe('server: graceful shutdown', () => {
  it('finishes a request that is in flight, then stops accepting', async () => {
    const server = await TestServer.start();
    // A sign-in spends real time in scrypt: close() is called while it is being handled.
    const received = new Promise<void>((resolve) => server.running.server.once('request', () => resolve()));
    const login = server.call<{ token: string }>('POST', '/api/auth/login', { body: { username: 'admin', password: 'admin-secret-1' } });
    await received;
    const closed = server.close();
    const res = await login;
    expect(res.status).to.equal(200);
    expect(res.body.token).to.be.a('string');
    await closed;
    let refused = false;
    await fetch(`${server.url}/health`).catch(() => {
      refused = true;
    });
    expect(refused).to.equal(true);
  });
});
