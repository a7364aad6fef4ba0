// A real server on 127.0.0.1 with an ephemeral port and a temp SQLite file, and a small HTTP
// client for it. Tests talk to Karvon only over HTTP, as the acceptance tests do.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { startServer, type RunningServer, type StartOptions } from '../../server/bootstrap.ts';
import { defaultConfig, type ServerConfig } from '../../server/config.ts';
import { freshDatabaseName } from '../engine/backends.ts';

export const ADMIN_PASSWORD = 'admin-secret-1';
export const PASSWORD = 'password-123';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (with `contentType`), instead of JSON. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export class TestServer {
  readonly tokens = new Map<string, string>();
  private constructor(
    readonly running: RunningServer,
    private readonly dir: string,
    private readonly mongo: { url: string; db: string } | null = null,
  ) {}

  /**
   * `options.modules` replaces the route table (tests add routes of their own); `options.now` is
   * the wall clock of sessions and audit entries; the logger is silent unless given.
   */
  static async start(overrides: Partial<ServerConfig> = {}, options: StartOptions = {}): Promise<TestServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'karvon-server-test-'));
    // With MONGODB_URL set (npm run test:mongo) the API suites run on MongoDB, a database per server.
    const mongodbUrl = process.env.MONGODB_URL?.trim() || null;
    const config = defaultConfig({
      ...(mongodbUrl ? { mongodbUrl, mongodbDb: freshDatabaseName('karvon_api') } : {}),
      port: 0,
      host: '127.0.0.1',
      dataDir: dir,
      adminPassword: ADMIN_PASSWORD,
      inboxDir: path.join(dir, 'no-inbox'),
      designerDir: path.join(dir, 'no-designer'),
      ...overrides,
    });
    const running = await startServer(config, { logger: pino({ level: 'silent' }), ...options });
    return new TestServer(running, dir, config.mongodbUrl && config.mongodbDb ? { url: config.mongodbUrl, db: config.mongodbDb } : null);
  }

  get url(): string {
    return this.running.url;
  }

  async close(): Promise<void> {
    await this.running.close();
    await rm(this.dir, { recursive: true, force: true });
    if (this.mongo) {
      const admin = new MongoClient(this.mongo.url);
      try {
        await admin.db(this.mongo.db).dropDatabase();
      } finally {
        await admin.close();
      }
    }
  }

  async call<T = unknown>(method: string, urlPath: string, options: CallOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const res = await fetch(this.url + urlPath, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  /** Signs in (once per user) and returns the token. */
  async login(username: string, password = username === 'admin' ? ADMIN_PASSWORD : PASSWORD): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const res = await this.call<{ token: string }>('POST', '/api/auth/login', { body: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
    this.tokens.set(username, res.body.token);
    return res.body.token;
  }

  /** Creates users through the API as admin. */
  async createUsers(users: { username: string; roles: string[]; groups?: string[]; displayName?: string }[]): Promise<void> {
    const admin = await this.login('admin');
    for (const u of users) {
      const res = await this.call('POST', '/api/users', { token: admin, body: { password: PASSWORD, ...u } });
      if (res.status !== 201) throw new Error(`create ${u.username}: ${res.status} ${res.text}`);
    }
  }

  async as<T = unknown>(username: string, method: string, urlPath: string, options: Omit<CallOptions, 'token'> = {}): Promise<HttpResult<T>> {
    return this.call<T>(method, urlPath, { ...options, token: await this.login(username) });
  }
}

/** The cast of the inbox scenarios: one user per role, two sales employees, one warehouse. */
export const CAST = [
  { username: 'anna', roles: ['analyst'], displayName: 'Anna' },
  { username: 'aziz', roles: ['employee'], groups: ['sales'], displayName: 'Aziz' },
  { username: 'dilnoza', roles: ['employee'], groups: ['sales'], displayName: 'Dilnoza' },
  { username: 'timur', roles: ['employee'], groups: ['warehouse'], displayName: 'Timur' },
  { username: 'dev', roles: ['developer'], displayName: 'Dev' },
];

export const NS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';

export function diagram(processId: string, body: string, name = processId): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="defs_${processId}" targetNamespace="http://karvon.test">
  <bpmn:process id="${processId}" name="${name}" isExecutable="true">
${body}
  </bpmn:process>
</bpmn:definitions>`;
}

/** A process `key` whose one user task "Review <key>" is offered to `group`. */
export function offeredTo(key: string, group: string): string {
  return diagram(
    key,
    `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="review" name="Review ${key}">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="${group}"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
  <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>`,
  );
}

/** Sales sell, then the warehouse packs: two user tasks offered to two groups, for live-event tests. */
export const HANDOVER = diagram(
  'handover',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="sell" name="Sell">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:userTask id="pack" name="Pack">
    <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="warehouse"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sell"/>
  <bpmn:sequenceFlow id="f2" sourceRef="sell" targetRef="pack"/>
  <bpmn:sequenceFlow id="f3" sourceRef="pack" targetRef="end"/>`,
);
