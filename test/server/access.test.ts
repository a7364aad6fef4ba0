// The access-control audit, as tables over the route table itself:
// - every declared route × {admin, analyst, employee, developer, anonymous} × the ownership of the
//   resource it touches (an employee's own task or instance, another user's, another group's):
//   401 without a token, 403 for a role the route does not allow, and for employees no task,
//   instance, variable, history entry or live event of work that is not theirs;
// - every non-public route with an expired token (injected clock) and a revoked one (logout);
// - no response body and no log line ever carries a password, a bearer token (beyond the login
//   answer that hands it out) or an adapter secret.
// CASES must name every route: a new route without an entry fails the first test.

import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { LOG_REDACTION } from '../../server/bootstrap.ts';
import { ROLES, type Access, type Role, type Route } from '../../server/http/route.ts';
import { ADMIN_PASSWORD, diagram, PASSWORD, TestServer, type CallOptions, type HttpResult } from './helpers.ts';
import { EventReader } from './sse.ts';

type Who = Role | 'anonymous';
const WHO: readonly Who[] = [...ROLES, 'anonymous'];

/** Relative to the employee aziz (group sales): whose task or instance a request touches. */
type Ownership = 'own' | 'other-user' | 'other-group' | 'none';
const TASK_OWNERSHIP: readonly Ownership[] = ['own', 'other-user', 'other-group'];

const USERS: Record<Role, string> = { admin: 'admin', analyst: 'anna', employee: 'aziz', developer: 'dev' };

// Adapter secrets of a configured connection: they must never leave the server.
const WEBHOOK_TOKEN = 'whk-secret-7f3a9c1e';
const APPLICATION_TOKEN = 'app-secret-5d2b8e4f';
const STORED_TOKEN = 'stored-secret-9e8d7c6b';

const ACC = diagram(
  'acc',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="work" name="Work">
    <bpmn:extensionElements><zeebe:assignmentDefinition assignee="=assignee" candidateGroups="=groups"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
  <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>`,
);
const ACC_BY_ADMIN = ACC.replaceAll('"acc"', '"acc_admin"').replace('defs_acc', 'defs_acc_admin');
const ACC_JOB = diagram(
  'acc_job',
  `
  <bpmn:startEvent id="start"/>
  <bpmn:serviceTask id="call" name="Call">
    <bpmn:extensionElements><zeebe:taskDefinition type="acc-work" retries="1"/></bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
  <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>`,
);

interface Resource {
  instanceId: string;
  taskId: string;
  businessKey: string;
}

interface Probe extends CallOptions {
  path: string;
}

interface ProbeContext {
  who: Who;
  ownership: Ownership;
  /** A fresh instance with one open task of this ownership (process `acc` unless named). */
  resource(processKey?: string): Promise<Resource>;
  job(): Promise<string>;
  incident(): Promise<string>;
}

type Outcome = 'unauthenticated' | 'forbidden' | 'allowed';

interface RouteCase {
  /** The access the route must declare. */
  access: Access;
  /**
   * Ownership that narrows what an allowed role gets: `task`/`instance` (employees only their own
   * work), `owner` (analysts only processes they deployed).
   */
  scope?: 'task' | 'instance' | 'owner';
  /** The answer lists records: allowed means the resource is in it, hidden means it is not. */
  lists?: (body: unknown, resource: Resource) => boolean;
  /** `reached`: the request is deliberately incomplete, so allowed means "past access control". */
  success?: 'ok' | 'reached';
  /** The outcome for everyone, overriding the role rules (a route with its own credentials). */
  fixed?: Outcome;
  /** A business rule on top of access (the engine's), for the callers it applies to. */
  rule?: (who: Who, ownership: Ownership) => Outcome | undefined;
  probe(ctx: ProbeContext): Promise<Probe> | Probe;
}

const ids = (body: unknown): string[] => (Array.isArray(body) ? body.map((x) => (x as { id: string }).id) : []);

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;
const issuedPasswords: string[] = [];

const CASES: Record<string, RouteCase> = {
  health: { access: 'public', probe: () => ({ path: '/health' }) },
  metrics: { access: 'public', probe: () => ({ path: '/metrics' }) },
  openApi: { access: 'public', probe: () => ({ path: '/api/openapi.json' }) },
  // Probed by streaming in its own loop; see streamOutcome.
  events: { access: 'authenticated', scope: 'task', probe: () => ({ path: '/api/events' }) },
  login: { access: 'public', probe: () => ({ path: '/api/auth/login', body: { username: 'spare', password: PASSWORD } }) },
  logout: { access: 'authenticated', probe: () => ({ path: '/api/auth/logout' }) },
  me: { access: 'authenticated', probe: () => ({ path: '/api/me' }) },
  createUser: {
    access: ['admin'],
    probe: () => {
      const password = unique('pw-new-user-');
      issuedPasswords.push(password);
      return { path: '/api/users', body: { username: unique('newbie'), password, roles: ['employee'] } };
    },
  },
  listUsers: { access: ['admin'], probe: () => ({ path: '/api/users' }) },
  deploy: {
    access: ['admin', 'analyst'],
    probe: () => {
      const key = unique('deployed_');
      return { path: '/api/deployments', body: { resources: [{ name: `${key}.bpmn`, content: ACC.replaceAll('"acc"', `"${key}"`).replace('defs_acc', `defs_${key}`) }] } };
    },
  },
  listProcesses: { access: 'authenticated', probe: () => ({ path: '/api/processes' }) },
  getProcess: { access: 'authenticated', probe: () => ({ path: '/api/processes/acc' }) },
  getProcessXml: { access: 'authenticated', probe: () => ({ path: '/api/processes/acc/xml' }) },
  getForm: { access: 'authenticated', success: 'reached', probe: () => ({ path: '/api/forms/no-such-form' }) },
  startInstance: {
    access: ['admin', 'analyst', 'employee'],
    probe: () => ({ path: '/api/process-instances', body: { processKey: 'acc', variables: { assignee: null, groups: ['sales'] } } }),
  },
  listInstances: {
    access: ['admin', 'analyst', 'employee'],
    scope: 'instance',
    lists: (body, r) => ids(body).includes(r.instanceId),
    probe: async ({ resource }) => ({ path: `/api/process-instances?businessKey=${(await resource()).businessKey}` }),
  },
  getInstance: {
    access: ['admin', 'analyst', 'employee'],
    scope: 'instance',
    probe: async ({ resource }) => ({ path: `/api/process-instances/${(await resource()).instanceId}` }),
  },
  getInstanceHistory: {
    access: ['admin', 'analyst', 'employee'],
    scope: 'instance',
    probe: async ({ resource }) => ({ path: `/api/process-instances/${(await resource()).instanceId}/history` }),
  },
  setInstanceVariables: {
    access: ['admin', 'analyst'],
    probe: async ({ resource }) => ({ path: `/api/process-instances/${(await resource()).instanceId}/variables`, body: { variables: { note: 'x' } } }),
  },
  cancelInstance: {
    access: ['admin', 'analyst'],
    probe: async ({ resource }) => ({ path: `/api/process-instances/${(await resource()).instanceId}/cancel` }),
  },
  listTasks: {
    access: ['admin', 'analyst', 'employee'],
    scope: 'task',
    lists: (body, r) => ids(body).includes(r.taskId),
    probe: async ({ resource }) => ({ path: `/api/tasks?processInstanceId=${(await resource()).instanceId}` }),
  },
  getTask: {
    access: ['admin', 'analyst', 'employee'],
    scope: 'task',
    probe: async ({ resource }) => ({ path: `/api/tasks/${(await resource()).taskId}` }),
  },
  claimTask: {
    access: ['admin', 'employee'],
    scope: 'task',
    // An admin claiming a task already assigned to someone else meets the engine's rule (409).
    success: 'reached',
    probe: async ({ resource }) => ({ path: `/api/tasks/${(await resource()).taskId}/claim` }),
  },
  unclaimTask: {
    access: ['admin', 'employee'],
    scope: 'task',
    probe: async ({ resource }) => ({ path: `/api/tasks/${(await resource()).taskId}/unclaim` }),
  },
  assignTask: {
    access: ['admin', 'analyst'],
    scope: 'owner',
    probe: async ({ resource, ownership }) => ({
      path: `/api/tasks/${(await resource(ownership === 'own' ? 'acc' : 'acc_admin')).taskId}/assign`,
      body: { assignee: 'dilnoza' },
    }),
  },
  completeTask: {
    access: ['admin', 'employee'],
    scope: 'task',
    // The engine's rule: a task claimed by someone is completed by that someone, not an admin.
    rule: (who, ownership) => (who === 'admin' && ownership === 'other-user' ? 'forbidden' : undefined),
    probe: async ({ resource }) => ({ path: `/api/tasks/${(await resource()).taskId}/complete`, body: { variables: { done: true } } }),
  },
  activateJobs: { access: ['admin', 'developer'], probe: () => ({ path: '/api/jobs/activate', body: { type: 'acc-none', worker: 'w1' } }) },
  completeJob: { access: ['admin', 'developer'], probe: async ({ job }) => ({ path: `/api/jobs/${await job()}/complete`, body: {} }) },
  failJob: {
    access: ['admin', 'developer'],
    probe: async ({ job }) => ({ path: `/api/jobs/${await job()}/fail`, body: { errorMessage: 'down', retries: 1 } }),
  },
  throwJobError: {
    access: ['admin', 'developer'],
    // The diagram catches no BPMN error, so the engine answers with an incident or a 4xx: reached.
    success: 'reached',
    probe: async ({ job }) => ({ path: `/api/jobs/${await job()}/error`, body: { errorCode: 'NOPE' } }),
  },
  publishMessage: {
    access: ['admin', 'analyst', 'developer'],
    probe: () => ({ path: '/api/messages', body: { name: 'nobody-waits', correlationKey: unique('k'), ttlMs: 0 } }),
  },
  broadcastSignal: { access: ['admin', 'analyst', 'developer'], probe: () => ({ path: '/api/signals', body: { name: 'nobody-waits' } }) },
  listIncidents: { access: ['admin', 'analyst', 'developer'], probe: () => ({ path: '/api/incidents' }) },
  resolveIncident: { access: ['admin', 'developer'], probe: async ({ incident }) => ({ path: `/api/incidents/${await incident()}/resolve` }) },
  listAdapters: { access: ['admin', 'analyst', 'developer'], probe: () => ({ path: '/api/adapters' }) },
  listElementTemplates: { access: ['admin', 'analyst', 'developer'], probe: () => ({ path: '/api/element-templates' }) },
  crmListCustomers: { access: 'authenticated', probe: () => ({ path: '/api/crm/customers' }) },
  crmCreateCustomer: { access: ['admin', 'analyst', 'employee'], success: 'reached', probe: () => ({ path: '/api/crm/customers', body: {} }) },
  crmGetCustomer: { access: 'authenticated', success: 'reached', probe: () => ({ path: '/api/crm/customers/none' }) },
  crmPatchCustomer: { access: ['admin', 'analyst', 'employee'], success: 'reached', probe: () => ({ path: '/api/crm/customers/none', body: {} }) },
  crmGetCustomerCard: { access: 'authenticated', success: 'reached', probe: () => ({ path: '/api/crm/customers/none/card' }) },
  crmListDeals: { access: 'authenticated', probe: () => ({ path: '/api/crm/deals' }) },
  crmCreateDeal: { access: ['admin', 'analyst', 'employee'], success: 'reached', probe: () => ({ path: '/api/crm/deals', body: {} }) },
  crmGetDeal: { access: 'authenticated', success: 'reached', probe: () => ({ path: '/api/crm/deals/none' }) },
  crmPatchDeal: { access: ['admin', 'analyst', 'employee'], success: 'reached', probe: () => ({ path: '/api/crm/deals/none', body: {} }) },
  erpListProducts: { access: 'authenticated', probe: () => ({ path: '/api/erp/products' }) },
  erpCreateProduct: { access: ['admin', 'employee'], success: 'reached', probe: () => ({ path: '/api/erp/products', body: {} }) },
  erpListWarehouses: { access: 'authenticated', probe: () => ({ path: '/api/erp/warehouses' }) },
  erpCreateWarehouse: { access: ['admin'], success: 'reached', probe: () => ({ path: '/api/erp/warehouses', body: {} }) },
  erpQueryStock: { access: 'authenticated', probe: () => ({ path: '/api/erp/stock' }) },
  erpAdjustStock: { access: ['admin', 'employee'], success: 'reached', probe: () => ({ path: '/api/erp/stock/adjust', body: {} }) },
  erpListShipments: { access: 'authenticated', probe: () => ({ path: '/api/erp/shipments' }) },
  erpGetShipment: { access: 'authenticated', success: 'reached', probe: () => ({ path: '/api/erp/shipments/none' }) },
  getClock: { access: 'authenticated', probe: () => ({ path: '/api/clock' }) },
  moveClock: { access: ['admin'], probe: () => ({ path: '/api/clock', body: { addMs: 0 } }) },
  // No bearer token stands in for the connection's application token, not even an admin's.
  bitrix24Robot: {
    access: 'public',
    fixed: 'unauthenticated',
    probe: () => ({
      path: '/api/integrations/bitrix24/b24/robot',
      raw: 'document_id[0]=crm&document_id[1]=CCrmDocumentDeal&document_id[2]=DEAL_1&auth[application_token]=not-the-token',
      contentType: 'application/x-www-form-urlencoded',
    }),
  },
  listAuditEntries: { access: ['admin'], probe: () => ({ path: '/api/audit' }) },
  listConnections: { access: ['admin'], probe: () => ({ path: '/api/connections' }) },
  getConnection: { access: ['admin'], probe: () => ({ path: '/api/connections/b24' }) },
  putConnection: {
    access: ['admin'],
    probe: () => ({
      path: `/api/connections/${unique('stored_')}`,
      body: { adapter: 'bitrix24', config: { portalUrl: 'http://127.0.0.1:9/', webhookUserId: '2', webhookToken: STORED_TOKEN } },
    }),
  },
  deleteConnection: { access: ['admin'], success: 'reached', probe: () => ({ path: '/api/connections/never_stored' }) },
  // The portal is a closed port: the test answers 200 with ok false, at once.
  testConnection: { access: ['admin'], probe: () => ({ path: '/api/connections/b24/test' }) },
};

/** What the rules say a caller gets; the test then checks the server agrees. */
function expectedOutcome(c: RouteCase, who: Who, ownership: Ownership): Outcome {
  if (c.fixed) return c.fixed;
  const ruled = c.rule?.(who, ownership);
  if (ruled) return ruled;
  if (c.access === 'public') return 'allowed';
  if (who === 'anonymous') return 'unauthenticated';
  if (c.access !== 'authenticated' && !c.access.includes(who)) return 'forbidden';
  if (c.scope === 'task' || c.scope === 'instance') {
    if (who === 'admin' || who === 'analyst') return 'allowed';
    // Developers have no tasks; the only such route they may call is the event stream.
    if (who === 'developer') return 'forbidden';
    return ownership === 'own' ? 'allowed' : 'forbidden';
  }
  if (c.scope === 'owner') return who === 'admin' || ownership === 'own' ? 'allowed' : 'forbidden';
  return 'allowed';
}

function ownershipsOf(c: RouteCase): readonly Ownership[] {
  if (c.scope === 'task' || c.scope === 'instance') return TASK_OWNERSHIP;
  if (c.scope === 'owner') return ['own', 'other-user'];
  return ['none'];
}

interface Recorded {
  what: string;
  text: string;
  /** The token this response legitimately hands out (login). */
  issues?: string;
}

class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    done();
  }
}

describe('server: access control audit (route × role × ownership)', () => {
  let server: TestServer;
  let routes: Route[];
  let now = Date.parse('2026-03-01T08:00:00Z');
  const logs = new LogCapture();
  const responses: Recorded[] = [];
  const tokens = new Set<string>();
  const tally = { routeRoleOwnership: 0, expiredOrRevoked: 0 };

  before(async () => {
    server = await TestServer.start(
      {
        testClock: true,
        tokenTtlMs: 60 * 60_000,
        connections: JSON.stringify({
          b24: {
            adapter: 'bitrix24',
            config: {
              portalUrl: 'http://127.0.0.1:9/',
              webhookUserId: '1',
              webhookToken: WEBHOOK_TOKEN,
              applicationToken: APPLICATION_TOKEN,
              robot: { processKey: 'acc' },
            },
          },
        }),
      },
      { now: () => now, logger: pino({ level: 'trace', redact: LOG_REDACTION }, logs) },
    );
    // Record every answer for the leak check at the end.
    const call = server.call.bind(server);
    server.call = (async (method: string, urlPath: string, options: CallOptions = {}) => {
      const res = await call(method, urlPath, options);
      const issued = urlPath === '/api/auth/login' && res.status === 200 ? (res.body as { token: string }).token : undefined;
      if (issued) tokens.add(issued);
      if (options.token) tokens.add(options.token);
      responses.push({ what: `${method} ${urlPath} → ${res.status}`, text: res.text, issues: issued });
      return res;
    }) as TestServer['call'];
    await server.createUsers([
      { username: 'anna', roles: ['analyst'] },
      { username: 'aziz', roles: ['employee'], groups: ['sales'] },
      { username: 'dilnoza', roles: ['employee'], groups: ['sales'] },
      { username: 'timur', roles: ['employee'], groups: ['warehouse'] },
      { username: 'dev', roles: ['developer'] },
      { username: 'spare', roles: ['employee'] },
    ]);
    for (const [name, content, as] of [['acc.bpmn', ACC, 'anna'], ['acc_admin.bpmn', ACC_BY_ADMIN, 'admin'], ['acc_job.bpmn', ACC_JOB, 'admin']] as const) {
      const res = await server.as(as, 'POST', '/api/deployments', { body: { resources: [{ name, content }] } });
      expect(res.status, `${name}: ${res.text}`).to.equal(201);
    }
    routes = server.running.karvon.routes;
  });
  after(() => server.close());

  async function resource(ownership: Ownership, processKey = 'acc'): Promise<Resource> {
    const [starter, variables] = {
      own: ['aziz', { assignee: null, groups: ['sales'] }],
      'other-user': ['timur', { assignee: 'dilnoza', groups: [] }],
      'other-group': ['timur', { assignee: null, groups: ['warehouse'] }],
      none: ['admin', { assignee: null, groups: ['sales'] }],
    }[ownership] as [string, Record<string, unknown>];
    const businessKey = unique('bk-');
    // Employees may only start what they can see through; the admin starts processes others own.
    const as = processKey === 'acc' ? starter : 'admin';
    const started = await server.as<{ id: string }>(as, 'POST', '/api/process-instances', { body: { processKey, businessKey, variables } });
    expect(started.status, started.text).to.equal(201);
    const tasks = await server.as<{ id: string }[]>('admin', 'GET', `/api/tasks?processInstanceId=${started.body.id}`);
    expect(tasks.body, 'the instance has one open task').to.have.length(1);
    return { instanceId: started.body.id, taskId: tasks.body[0]!.id, businessKey };
  }

  async function job(): Promise<string> {
    const started = await server.as<{ id: string }>('admin', 'POST', '/api/process-instances', { body: { processKey: 'acc_job' } });
    expect(started.status, started.text).to.equal(201);
    // Jobs a probe failed with retries left come back too; they stay leased to the fixture.
    const jobs = await server.as<{ id: string; processInstanceId: string }[]>('admin', 'POST', '/api/jobs/activate', {
      body: { type: 'acc-work', worker: 'fixture', maxJobs: 100 },
    });
    const mine = jobs.body.find((j) => j.processInstanceId === started.body.id);
    expect(mine, 'the new instance has a job').to.not.equal(undefined);
    return mine!.id;
  }

  async function incident(): Promise<string> {
    const key = await job();
    const failed = await server.as('admin', 'POST', `/api/jobs/${key}/fail`, { body: { errorMessage: 'fixture', retries: 0 } });
    expect(failed.status, failed.text).to.equal(200);
    const open = await server.as<{ id: string; jobKey: string | null }[]>('admin', 'GET', '/api/incidents?state=open&limit=10000');
    const found = open.body.find((i) => i.jobKey === key);
    expect(found, 'the failed job left an incident').to.not.equal(undefined);
    return found!.id;
  }

  async function send(who: Who, method: string, probe: Probe, token?: string | null): Promise<HttpResult> {
    const { path, ...options } = probe;
    const bearer = token !== undefined ? token : who === 'anonymous' ? null : await server.login(USERS[who]);
    return server.call(method, path, { ...options, token: options.token ?? bearer });
  }

  /** The event stream: what a user's stream carries about a task created after it opened. */
  async function streamOutcome(who: Who, ownership: Ownership): Promise<{ outcome: Outcome; note: string }> {
    if (who === 'anonymous') {
      const res = await server.call('GET', '/api/events');
      return { outcome: res.status === 401 ? 'unauthenticated' : 'allowed', note: `status ${res.status}` };
    }
    const user = USERS[who];
    // The token in the query, as EventSource sends it: the leak check covers this path too.
    const token = await server.login(user);
    tokens.add(token);
    const stream = await EventReader.open(`${server.url}/api/events?access_token=${token}`, {});
    try {
      await stream.until((f) => f.event === 'ready');
      const probed = await resource(ownership);
      // A task assigned to the viewer by name: events arrive in order, so once this one is in,
      // everything the stream was going to say about the probed task has been said.
      const marker = await server.as<{ id: string }>('admin', 'POST', '/api/process-instances', {
        body: { processKey: 'acc', variables: { assignee: user, groups: [] } },
      });
      const frames = await stream.until((f) => f.event === 'task.created' && f.data.processInstanceId === marker.body.id);
      const leaked = frames.filter((f) => f.data.processInstanceId === probed.instanceId || f.data.taskId === probed.taskId);
      for (const f of frames) responses.push({ what: `SSE ${who}`, text: JSON.stringify(f) });
      return { outcome: leaked.length > 0 ? 'allowed' : 'forbidden', note: `${leaked.length} frames about it` };
    } finally {
      stream.close();
    }
  }

  async function outcomeOf(route: Route, c: RouteCase, who: Who, ownership: Ownership): Promise<{ outcome: Outcome; note: string }> {
    if (route.stream) return streamOutcome(who, ownership);
    let probed: Resource | null = null;
    const probe = await c.probe({
      who,
      ownership,
      resource: async (key) => (probed = await resource(ownership, key)),
      job,
      incident,
    });
    // Logout revokes the token it is called with: give it one of its own.
    const token = route.operationId === 'logout' && who !== 'anonymous' ? await freshToken(USERS[who]) : undefined;
    const res = await send(who, route.method.toUpperCase(), probe, token);
    const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
    const note = `${res.status}${code ? ` ${code}` : ''}`;
    if (res.status === 401) return { outcome: 'unauthenticated', note };
    if (res.status === 403 && code === 'FORBIDDEN') return { outcome: 'forbidden', note };
    // Someone else's record may also be answered as if it did not exist.
    if (res.status === 404 && c.scope !== undefined && ownership !== 'own') return { outcome: 'forbidden', note };
    if (c.lists && probed) return { outcome: c.lists(res.body, probed) ? 'allowed' : 'forbidden', note: `${note}, listed: ${c.lists(res.body, probed)}` };
    const success = c.success ?? 'ok';
    if (success === 'ok' && (res.status < 200 || res.status >= 300)) return { outcome: 'forbidden', note: `${note} (expected 2xx): ${res.text.slice(0, 200)}` };
    return { outcome: 'allowed', note };
  }

  async function freshToken(username: string): Promise<string> {
    const password = username === 'admin' ? ADMIN_PASSWORD : PASSWORD;
    const res = await server.call<{ token: string }>('POST', '/api/auth/login', { body: { username, password } });
    expect(res.status, res.text).to.equal(200);
    return res.body.token;
  }

  it('has a case for every route in the route table, and no case for a route that does not exist', () => {
    const declared = routes.map((r) => r.operationId).sort();
    expect(declared, 'routes without a case in CASES (add one) / cases without a route').to.deep.equal(Object.keys(CASES).sort());
  });

  it('declares exactly the access the table expects', () => {
    const mismatched = routes
      .filter((r) => JSON.stringify(r.access) !== JSON.stringify(CASES[r.operationId]!.access))
      .map((r) => `${r.operationId}: declares ${JSON.stringify(r.access)}, table says ${JSON.stringify(CASES[r.operationId]!.access)}`);
    expect(mismatched).to.deep.equal([]);
  });

  it('gives every role exactly what the rules allow, for own and foreign records, on every route', async function () {
    this.timeout(300_000);
    const failures: string[] = [];
    for (const route of routes) {
      const c = CASES[route.operationId]!;
      for (const who of WHO) {
        for (const ownership of ownershipsOf(c)) {
          const expected = expectedOutcome(c, who, ownership);
          const actual = await outcomeOf(route, c, who, ownership);
          tally.routeRoleOwnership++;
          if (actual.outcome !== expected) {
            failures.push(`${route.operationId} as ${who} on ${ownership}: expected ${expected}, got ${actual.outcome} (${actual.note})`);
          }
        }
      }
    }
    expect(failures).to.deep.equal([]);
    // 56 routes today, 9 of them with 3 ownerships and 1 with 2: keep the count honest.
    expect(tally.routeRoleOwnership).to.be.greaterThan(routes.length * WHO.length);
  });

  it('answers 403 for a forbidden role before reading the input', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      if (!Array.isArray(route.access)) continue;
      for (const role of ROLES) {
        if (route.access.includes(role)) continue;
        // Deliberately invalid: the role check must come before validation.
        const res = await send(role, route.method.toUpperCase(), {
          path: route.path.replace(/\{[^}]+\}/g, 'does-not-exist'),
          body: route.body ? { unexpected: true } : undefined,
        });
        const code = (res.body as { error?: { code: string } }).error?.code;
        if (res.status !== 403 || code !== 'FORBIDDEN') failures.push(`${role} ${route.method} ${route.path} → ${res.status}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('shows an employee no variables, history or incidents of work that is not theirs', async () => {
    const foreign = await resource('other-group');
    const own = await resource('own');
    // Variables travel with the task and the instance; both are refused, not emptied.
    for (const path of [`/api/tasks/${foreign.taskId}`, `/api/process-instances/${foreign.instanceId}`, `/api/process-instances/${foreign.instanceId}/history`]) {
      const res = await server.as('aziz', 'GET', path);
      expect(res.status, path).to.equal(403);
      expect(res.text).to.not.include('warehouse');
    }
    const mine = await server.as<{ variables: Record<string, unknown> }>('aziz', 'GET', `/api/process-instances/${own.instanceId}`);
    expect(mine.body.variables).to.deep.include({ groups: ['sales'] });
    expect((await server.as('aziz', 'GET', `/api/incidents?processInstanceId=${own.instanceId}`)).status).to.equal(403);
    // Filters cannot widen what an employee sees.
    const byStarter = await server.as<unknown[]>('aziz', 'GET', '/api/process-instances?startedBy=timur');
    expect(byStarter.body).to.deep.equal([]);
    const byGroup = await server.as<unknown[]>('aziz', 'GET', `/api/tasks?candidateGroup=warehouse&processInstanceId=${foreign.instanceId}`);
    expect(byGroup.body).to.deep.equal([]);
    // dilnoza's tasks that are offered to sales are aziz's business too; her own ones are not.
    const hers = await resource('other-user');
    const byAssignee = await server.as<{ id: string; candidateGroups: string[] }[]>('aziz', 'GET', '/api/tasks?assignee=dilnoza&state=all&limit=10000');
    expect(byAssignee.body.map((t) => t.id)).to.not.include(hers.taskId);
    expect(byAssignee.body.filter((t) => !t.candidateGroups.includes('sales'))).to.deep.equal([]);
  });

  it('refuses a revoked token on every non-public route, the event stream included', async () => {
    const revoked = await freshToken('admin');
    expect((await server.call('POST', '/api/auth/logout', { token: revoked })).status).to.equal(200);
    const failures = await everyRouteWith(revoked);
    expect(failures).to.deep.equal([]);
  });

  it('refuses an expired token on every non-public route once the clock passes its lifetime', async () => {
    const token = await freshToken('admin');
    expect((await server.call('GET', '/api/me', { token })).status).to.equal(200);
    now += 60 * 60_000 - 1;
    expect((await server.call('GET', '/api/me', { token })).status, 'still valid a millisecond before').to.equal(200);
    now += 1;
    const failures = await everyRouteWith(token);
    expect(failures).to.deep.equal([]);
    // Every cached session expired with it.
    server.tokens.clear();
  });

  async function everyRouteWith(token: string): Promise<string[]> {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const path = route.path.replace(/\{[^}]+\}/g, 'does-not-exist');
      const res = route.stream
        ? await server.call('GET', `${path}?access_token=${token}`)
        : await server.call(route.method.toUpperCase(), path, { token, body: route.body ? {} : undefined });
      tally.expiredOrRevoked++;
      const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
      if (res.status !== 401 || code !== 'UNAUTHENTICATED') failures.push(`${route.method} ${route.path} → ${res.status}`);
    }
    return failures;
  }

  it('never puts a password, a token or an adapter secret in a response or a log line', async () => {
    // Inputs that are refused are the usual way secrets get echoed: try them on purpose.
    const wrong = 'wrong-password-31415';
    const short = 'Sh0rt!7';
    const clash = 'password-for-a-clash-2718';
    const forged = 'forged-bearer-token-1618033';
    await server.call('POST', '/api/auth/login', { body: { username: 'aziz', password: wrong } });
    await server.call('POST', '/api/auth/login', { body: { username: 'nobody-here', password: wrong } });
    await server.call('POST', '/api/auth/login', { body: { username: 'aziz', password: 42 } });
    await server.as('admin', 'POST', '/api/users', { body: { username: 'x y', password: clash, roles: ['employee'] } });
    await server.as('admin', 'POST', '/api/users', { body: { username: 'shorty', password: short, roles: ['employee'] } });
    await server.as('admin', 'POST', '/api/users', { body: { username: 'aziz', password: clash, roles: ['employee'] } });
    await server.as('admin', 'POST', '/api/users', { body: { username: 'weird', password: clash, roles: ['root'] } });
    await server.call('GET', '/api/me', { token: forged });
    await server.call('GET', `/api/events?access_token=${forged}`);
    await server.call('POST', '/api/integrations/bitrix24/b24/robot', {
      raw: `document_id[2]=DEAL_1&auth[application_token]=${WEBHOOK_TOKEN}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    // A stored connection refused for a bad field must not echo the secret next to it.
    await server.as('admin', 'PUT', '/api/connections/leaky', {
      body: { adapter: 'bitrix24', config: { portalUrl: STORED_TOKEN, webhookToken: STORED_TOKEN } },
    });
    expect((await server.as('admin', 'GET', '/api/connections')).text).to.include('"set":true');
    const adapters = await server.as('admin', 'GET', '/api/adapters');
    expect(adapters.text).to.include('b24');
    const users = await server.as('admin', 'GET', '/api/users');
    expect(users.text).to.not.match(/passwordHash|scrypt\$/);

    const secrets = [PASSWORD, ADMIN_PASSWORD, wrong, short, clash, ...issuedPasswords, WEBHOOK_TOKEN, APPLICATION_TOKEN, STORED_TOKEN];
    const allTokens = [...tokens, forged];
    expect(allTokens.length).to.be.greaterThan(5);
    expect(responses.length).to.be.greaterThan(300);
    expect(logs.lines.length).to.be.greaterThan(300);

    const leaks: string[] = [];
    for (const r of responses) {
      for (const s of secrets) if (r.text.includes(s)) leaks.push(`response ${r.what} contains a secret (${s.slice(0, 4)}…)`);
      for (const t of allTokens) if (t !== r.issues && r.text.includes(t)) leaks.push(`response ${r.what} contains a token`);
    }
    for (const line of logs.lines) {
      for (const s of [...secrets, ...allTokens]) if (line.includes(s)) leaks.push(`log line contains a secret: ${line.slice(0, 160)}`);
    }
    expect(leaks).to.deep.equal([]);
  });

  after(() => {
    // The figures docs/reliability.md quotes.
    console.log(`      access table: ${tally.routeRoleOwnership} route×role×ownership cases, ${tally.expiredOrRevoked} expired/revoked-token cases`);
  });
});
