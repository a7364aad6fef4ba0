// Connections stored through the API: secrets sealed at rest (AES-256-GCM), masked in every
// answer, kept when an edit leaves them out, opened again when the server restarts, and a store
// read raw holds no plaintext secret.

import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import type { AuditEntry } from '../../engine/store/port.ts';
import { KEY_FILE } from '../../server/connections/secret-box.ts';
import { storedConnections } from '../../server/connections/stored.ts';
import { TestServer } from './helpers.ts';

const WEBHOOK = 'webhook-token-a1b2c3d4e5';
const APP_TOKEN = 'application-token-f6e5d4c3';
const HEADER_KEY = 'rates-api-key-0987654321';

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

interface View {
  name: string;
  adapter: string;
  source: string;
  config: Record<string, unknown>;
  active: boolean;
  updatedBy: string | null;
}

const b24 = (extra: Record<string, unknown> = {}) => ({
  adapter: 'bitrix24',
  title: 'Portal',
  config: { portalUrl: 'http://127.0.0.1:9/', webhookUserId: '7', webhookToken: WEBHOOK, applicationToken: APP_TOKEN, ...extra },
});

describe('server: adapter connections managed through the API', () => {
  let dataDir: string;
  let server: TestServer;
  const logs = new Lines();

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'karvon-connections-'));
    server = await TestServer.start({ dataDir, secretKey: null }, { logger: pino({ level: 'debug' }, logs) });
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores a connection and answers with its secrets masked', async () => {
    const res = await server.as<View>('admin', 'PUT', '/api/connections/portal', { body: b24() });
    expect(res.status, res.text).to.equal(201);
    // Bound at once: this node runs it before the answer goes out.
    expect(res.body).to.deep.include({ name: 'portal', adapter: 'bitrix24', source: 'api', active: true, updatedBy: 'admin' });
    expect(res.body.config).to.deep.equal({
      portalUrl: 'http://127.0.0.1:9/',
      webhookUserId: '7',
      webhookToken: { set: true },
      applicationToken: { set: true },
    });
    for (const url of ['/api/connections', '/api/connections/portal']) {
      const read = await server.as('admin', 'GET', url);
      expect(read.status).to.equal(200);
      expect(read.text).to.not.include(WEBHOOK).and.not.include(APP_TOKEN);
    }
    const list = (await server.as<View[]>('admin', 'GET', '/api/connections')).body;
    expect(list.map((c) => `${c.name}:${c.source}`)).to.include.members(['crm:configuration', 'erp:configuration', 'portal:api']);
  });

  it('keeps no plaintext secret in the store, and the key outside it in a 0600 file', async () => {
    const raw = await storedConnections(server.running.store).get('portal');
    expect(raw).to.not.equal(null);
    const text = JSON.stringify(raw);
    expect(text).to.not.include(WEBHOOK).and.not.include(APP_TOKEN);
    expect(raw!.sealedSecrets).to.match(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(raw!.secretPaths).to.deep.equal(['applicationToken', 'webhookToken']);
    const key = await readFile(path.join(dataDir, KEY_FILE), 'utf8');
    expect(Buffer.from(key.trim(), 'base64')).to.have.length(32);
    expect((await stat(path.join(dataDir, KEY_FILE))).mode & 0o777).to.equal(0o600);
    expect(text).to.not.include(key.trim());
    if (server.running.store.kind === 'sqlite') {
      // The database file itself, write-ahead log included.
      for (const file of (await readdir(dataDir)).filter((f) => f.startsWith('karvon.db'))) {
        const bytes = await readFile(path.join(dataDir, file));
        expect(bytes.includes(WEBHOOK), file).to.equal(false);
        expect(bytes.includes(APP_TOKEN), file).to.equal(false);
        expect(bytes.includes(key.trim()), file).to.equal(false);
      }
    }
  });

  it('keeps stored secrets when an edit leaves them out or masked, replaces or removes them on request', async () => {
    const edit = await server.as<View>('admin', 'PUT', '/api/connections/portal', {
      body: { adapter: 'bitrix24', config: { portalUrl: 'http://127.0.0.1:8/', webhookUserId: '7', webhookToken: { set: true } } },
    });
    expect(edit.status, edit.text).to.equal(200);
    expect(edit.body.config).to.deep.include({ portalUrl: 'http://127.0.0.1:8/', webhookToken: { set: true }, applicationToken: { set: true } });
    const removed = await server.as<View>('admin', 'PUT', '/api/connections/portal', {
      body: { adapter: 'bitrix24', config: { portalUrl: 'http://127.0.0.1:8/', webhookUserId: '7', applicationToken: null } },
    });
    expect(removed.body.config).to.not.have.property('applicationToken');
    expect(removed.body.config).to.have.property('webhookToken');
    const restored = await server.as<View>('admin', 'PUT', '/api/connections/portal', { body: b24() });
    expect(restored.status).to.equal(200);
    const trail = (await server.as<{ entries: AuditEntry[] }>('admin', 'GET', '/api/audit?action=connection.changed&target=portal')).body.entries;
    expect(trail.map((e) => e.details.secretsChanged)).to.deep.equal([['applicationToken', 'webhookToken'], ['applicationToken'], [], ['applicationToken', 'webhookToken']]);
    expect(JSON.stringify(trail)).to.not.include(WEBHOOK);
  });

  it('seals the secret map of an HTTP connection too', async () => {
    const res = await server.as<View>('admin', 'PUT', '/api/connections/rates', {
      body: {
        adapter: 'http',
        config: {
          baseUrl: 'http://127.0.0.1:9/',
          secrets: { apiKey: HEADER_KEY },
          headers: { 'X-Api-Key': '{{secrets.apiKey}}' },
          operations: { latest: { method: 'GET', url: '/latest' } },
        },
      },
    });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.config.secrets).to.deep.equal({ set: true });
    expect(JSON.stringify(await storedConnections(server.running.store).get('rates'))).to.not.include(HEADER_KEY);
  });

  it('refuses configured names, unknown adapters and invalid configuration without echoing values', async () => {
    const crm = await server.as<{ error: { code: string } }>('admin', 'PUT', '/api/connections/crm', { body: { adapter: 'karvon-crm' } });
    expect(crm.status).to.equal(409);
    expect((await server.as('admin', 'DELETE', '/api/connections/crm')).status).to.equal(409);
    const unknown = await server.as('admin', 'PUT', '/api/connections/other', { body: { adapter: 'no-such-adapter' } });
    expect(unknown.status).to.equal(400);
    const invalid = await server.as('admin', 'PUT', '/api/connections/other', {
      body: { adapter: 'bitrix24', config: { portalUrl: `ftp://${WEBHOOK}`, webhookToken: WEBHOOK } },
    });
    expect(invalid.status).to.equal(400);
    expect(invalid.text).to.include('portalUrl').and.not.include(WEBHOOK);
    expect(await storedConnections(server.running.store).get('other')).to.equal(null);
  });

  it('removes a stored connection', async () => {
    await server.as('admin', 'PUT', '/api/connections/gone', { body: b24() });
    expect((await server.as('admin', 'DELETE', '/api/connections/gone')).status).to.equal(200);
    expect((await server.as('admin', 'GET', '/api/connections/gone')).status).to.equal(404);
    expect((await server.as('admin', 'DELETE', '/api/connections/gone')).status).to.equal(404);
  });

  it('never logs a secret it was given', () => {
    const all = logs.lines.join('');
    expect(all.length).to.be.greaterThan(0);
    expect(all).to.not.include(WEBHOOK).and.not.include(APP_TOKEN).and.not.include(HEADER_KEY);
  });
});

describe('server: stored connections across a restart', () => {
  let dataDir: string;
  const key = Buffer.alloc(32, 7).toString('hex');

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'karvon-connections-restart-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  // The embedded store on a data folder of our own, so that the second start finds the first's data.
  const start = (secretKey: string, logger = pino({ level: 'silent' })) => TestServer.start({ dataDir, mongodbUrl: null, secretKey }, { logger });

  it('opens the sealed secrets at start-up and runs the connection with them', async () => {
    const first = await start(key);
    try {
      expect((await first.as('admin', 'PUT', '/api/connections/portal', { body: b24() })).status).to.equal(201);
    } finally {
      await first.close();
    }
    const second = await start(key);
    try {
      const running = second.running.adapters.connections.find((c) => c.name === 'portal');
      expect(running?.config).to.deep.include({ webhookToken: WEBHOOK, applicationToken: APP_TOKEN });
      const view = await second.as<View>('admin', 'GET', '/api/connections/portal');
      expect(view.body).to.deep.include({ active: true, source: 'api' });
      expect(view.text).to.not.include(WEBHOOK);
      // The key came from KARVON_SECRET_KEY: no key file was made.
      expect(await readdir(dataDir)).to.not.include(KEY_FILE);
    } finally {
      await second.close();
    }
  });

  it('starts without a connection whose secrets another key sealed, and says so in the log', async () => {
    const logs = new Lines();
    const other = await start(Buffer.alloc(32, 9).toString('base64'), pino({ level: 'info' }, logs));
    try {
      expect(other.running.adapters.connections.map((c) => c.name)).to.not.include('portal');
      expect(logs.lines.join('')).to.include('Stored connection \\"portal\\" is skipped').and.include('KARVON_SECRET_KEY');
    } finally {
      await other.close();
    }
  });
});
