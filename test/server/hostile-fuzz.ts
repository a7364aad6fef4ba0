// Hostile-input fuzzing of the HTTP API: malformed and oversized diagrams, hostile FEEL, JSON of
// the wrong shape, size, depth or content type, and extreme variables. Every answer must be a
// 2xx, or a 4xx in the contract's error shape with a message; never a 5xx and never a hang. The
// server must stay responsive, its heap bounded, and what was stored before must be unchanged.
//
// `npm test` runs a short pass (test/server/hostile-input.test.ts); a soak runner, or a person,
// runs a long one:  npm run fuzz:hostile -- --iterations 2000 --seed 7
// The sequence of requests depends only on the seed, so a failure is reproduced by its seed.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { diagram, TestServer } from './helpers.ts';
import { seededRandom } from '../../soak/random.ts';

export interface HostileFuzzOptions {
  iterations: number;
  seed: number;
  /** Longest any single request may take before it counts as a hang. */
  requestTimeoutMs?: number;
  /** Called after each request, e.g. to print progress in a long run. */
  onRequest?: (entry: FuzzEntry) => void;
}

export interface FuzzEntry {
  iteration: number;
  kind: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface HostileFuzzReport {
  seed: number;
  requests: number;
  /** Requests per generator kind. */
  kinds: Record<string, number>;
  /** Responses per status code. */
  statuses: Record<string, number>;
  /** Broken promises: 5xx, hangs, bad error bodies, changed data. Empty when all held. */
  failures: string[];
  /** heapUsed after a full GC, in MB, before the fuzz and after it. */
  heapBeforeMb: number;
  heapAfterMb: number;
  slowestMs: number;
  durationMs: number;
}

// ------------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ------------------------------------------------------------------------------------------------
// Requests

interface FuzzRequest {
  method: string;
  path: string;
  /** A user name (signed in as needed), or null for no token. */
  as: string | null;
  /** Sent as is. Strings are UTF-8; Buffers carry deliberately broken bytes. */
  body?: string | Buffer;
  contentType?: string;
}

interface Target {
  /** The fuzz process (deployed by setup) and a task of one of its instances. */
  fuzzKey: string;
  taskId: () => string;
  /** A running instance of the fuzz process, for set-variables attempts. */
  instanceId: () => string;
}

const ROUTES_WITH_BODIES: Array<[string, string]> = [
  ['POST', '/api/process-instances'],
  ['POST', '/api/messages'],
  ['POST', '/api/signals'],
  ['POST', '/api/jobs/activate'],
  ['POST', '/api/jobs/no-such-job/complete'],
  ['POST', '/api/jobs/no-such-job/fail'],
  ['POST', '/api/jobs/no-such-job/error'],
  ['POST', '/api/tasks/no-such-task/complete'],
  ['POST', '/api/users'],
  ['POST', '/api/auth/login'],
  ['POST', '/api/deployments'],
  ['POST', '/api/crm/customers'],
  ['POST', '/api/erp/stock/adjust'],
];

const VALID_DIAGRAM = (key: string, extra = '') =>
  diagram(
    key,
    `<bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=count(items)" resultVariable="n"/></bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:userTask id="review" name="Review"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="sales"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="end"/>${extra}
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>`,
  );

const HOSTILE_FEEL = [
  '=for i in 1..1000000000 return i',
  '=count(for i in 1..n return i)',
  '=string join(for i in 1..n return "xxxxxxxxxxxxxxxxxxxxxxxx")',
  '=for a in 1..1000, b in 1..1000 return a * b',
  '=count(for a in 1..n, b in 1..n return 1)',
  '=matches(text, "^(a+)+$")',
  '=replace(text, "(a|aa)+$", "b")',
  '={f: function(x) if x = 0 then 0 else f(x - 1) + f(x - 1)}.f(n)',
  '=some x in 1..n satisfies x < 0',
  `=${'('.repeat(5000)}1${')'.repeat(5000)}`,
  `=${'a + '.repeat(5000)}1`,
  '=sum(for i in 1..10 return i)',
];

function deploy(name: string, content: string): FuzzRequest {
  return { method: 'POST', path: '/api/deployments', as: 'anna', body: JSON.stringify({ resources: [{ name, content }] }), contentType: 'application/json' };
}

function nested(depth: number, leaf: string, rng: Rng): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (rng.chance(0.5)) {
      open += '{"k":';
      close = '}' + close;
    } else {
      open += '[';
      close = ']' + close;
    }
  }
  return open + leaf + close;
}

function mutate(text: string, rng: Rng): string {
  let s = text;
  for (let n = rng.int(1, 8); n > 0; n--) {
    const at = rng.int(0, s.length - 1);
    switch (rng.int(0, 5)) {
      case 0: s = s.slice(0, at) + s.slice(at + rng.int(1, 40)); break; // delete
      case 1: s = s.slice(0, at) + rng.pick(['<', '>', '"', '&', '/', '=', '\u0000', '\uFFFF', '\uD800', ']]>', '<!--', 'é']) + s.slice(at); break;
      case 2: { const from = rng.int(0, s.length - 1); s = s.slice(0, at) + s.slice(from, from + rng.int(1, 200)) + s.slice(at); break; } // duplicate
      case 3: s = s.slice(0, at) + String.fromCharCode(rng.int(0, 0xffff)) + s.slice(at + 1); break; // replace
      case 4: s = s.replace(rng.pick(['sourceRef="calc"', 'id="review"', 'targetRef="end"', 'isExecutable="true"', 'expression="=count(items)"']), rng.pick(['', 'sourceRef="nowhere"', 'id="start"', 'expression="=)"', 'targetRef="f1"'])); break;
      default: s = s.slice(0, at); break; // truncate
    }
  }
  return s;
}

type Generator = (rng: Rng, t: Target) => FuzzRequest;

const GENERATORS: Record<string, Generator> = {
  // --- diagrams ---
  'xml-truncated': (rng, t) => { const x = VALID_DIAGRAM(t.fuzzKey); return deploy('cut.bpmn', x.slice(0, rng.int(0, x.length - 1))); },
  'xml-invalid-utf8': () => {
    const head = Buffer.from(`{"resources":[{"name":"bytes.bpmn","content":"<?xml version=\\"1.0\\"?><bpmn:definitions id=\\"d\\">`);
    return { method: 'POST', path: '/api/deployments', as: 'anna', body: Buffer.concat([head, Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0xed, 0xa0, 0x80]), Buffer.from('</bpmn:definitions>"}]}')]), contentType: 'application/json' };
  },
  'xml-deep-nesting': (rng) => { const d = rng.pick([150, 5000, 100_000]); return deploy('deep.bpmn', `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><bpmn:process id="deep">${'<bpmn:subProcess>'.repeat(d)}${'</bpmn:subProcess>'.repeat(d)}</bpmn:process></bpmn:definitions>`); },
  'xml-billion-laughs': () => {
    const entities = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('');
    return deploy('laughs.bpmn', `<?xml version="1.0"?><!DOCTYPE lolz [${entities}]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="&lol9;"/>`);
  },
  'xml-external-entity': (rng) => deploy('xxe.bpmn', rng.pick([
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" name="&xxe;"/>',
    '<?xml version="1.0"?>\n<!doctype d SYSTEM "http://127.0.0.1:9/evil.dtd"><bpmn:definitions/>',
    '<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xi="http://www.w3.org/2001/XInclude" id="d"><xi:include href="file:///etc/passwd" parse="text"/></bpmn:definitions>',
  ])),
  'xml-huge-attribute': (rng, t) => deploy('attr.bpmn', VALID_DIAGRAM(t.fuzzKey).replace('name="Review"', `name="${'A'.repeat(rng.pick([70_000, 900_000, 4_000_000]))}"`)),
  'xml-10mb': (rng, t) => deploy('huge.bpmn', VALID_DIAGRAM(t.fuzzKey, `<bpmn:task id="pad"><bpmn:documentation>${'Lorem ipsum dolor sit amet. '.repeat(rng.pick([300_000, 360_000]))}</bpmn:documentation></bpmn:task>`)),
  'xml-mutated': (rng, t) => deploy('mutated.bpmn', mutate(VALID_DIAGRAM(`${t.fuzzKey}_m${rng.int(0, 3)}`), rng)),
  'xml-not-bpmn': (rng) => deploy(rng.pick(['x.bpmn', 'x.form', '../../etc/passwd', '', 'a'.repeat(5000)]), rng.pick(['', '{}', 'null', '<html></html>', '<?xml version="1.0"?><a/>', '\u0000\u0001', '{"components": "x"}'])),
  'feel-hostile': (rng, t) => {
    const expression = rng.pick(HOSTILE_FEEL).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    return deploy('feel.bpmn', VALID_DIAGRAM(t.fuzzKey).replace('expression="=count(items)"', `expression="${expression}"`));
  },
  // --- JSON API ---
  'json-wrong-types': (rng, t) => {
    const [method, path] = rng.pick(ROUTES_WITH_BODIES);
    const junk = () => rng.pick<unknown>([null, true, 0, -1, 1e308, '', 'x', [], {}, [null], { a: 1 }, 'é'.repeat(100), [1, 'a', null]]);
    const fields = ['processKey', 'variables', 'name', 'correlationKey', 'type', 'worker', 'maxJobs', 'lockMs', 'retries', 'errorCode', 'username', 'password', 'roles', 'resources', 'businessKey', 'version', 'ttlMs'];
    const body: Record<string, unknown> = {};
    for (let n = rng.int(0, 5); n > 0; n--) body[rng.pick(fields)] = junk();
    if (path === '/api/process-instances' && rng.chance(0.5)) body.processKey = t.fuzzKey;
    return { method, path, as: rng.pick(['anna', 'admin', 'aziz', null]), body: rng.chance(0.2) ? JSON.stringify(junk()) : JSON.stringify(body), contentType: 'application/json' };
  },
  'json-huge-body': (rng) => {
    const [method, path] = rng.pick(ROUTES_WITH_BODIES);
    return { method, path, as: 'anna', body: JSON.stringify({ processKey: 'x', variables: { blob: 'x'.repeat(rng.pick([1_100_000, 3_000_000, 11_000_000])) } }), contentType: 'application/json' };
  },
  'json-proto-keys': (rng, t) => {
    const key = rng.pick(['__proto__', 'constructor', 'prototype']);
    const placement = rng.pick([
      `{"${key}":{"isAdmin":true},"processKey":"${t.fuzzKey}"}`,
      `{"processKey":"${t.fuzzKey}","variables":{"a":[{"b":{"${key}":{"polluted":1}}}]}}`,
      `{"processKey":"${t.fuzzKey}","variables":{"${key}":{"toString":1}}}`,
      `{"name":"fuzz-msg","variables":{"x":{"${key}":null}}}`,
      `[{"${key}":1}]`,
    ]);
    const path = placement.includes('"name"') ? '/api/messages' : '/api/process-instances';
    return { method: 'POST', path, as: 'anna', body: placement, contentType: 'application/json' };
  },
  'json-content-type': (rng, t) => ({
    method: 'POST',
    path: '/api/process-instances',
    as: 'anna',
    body: rng.pick([JSON.stringify({ processKey: t.fuzzKey }), 'processKey=x', '<x/>', '']),
    contentType: rng.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/vnd.api+json', '', 'application/json;;;', 'x'.repeat(3000)]),
  }),
  'json-malformed': (rng) => ({
    method: 'POST',
    path: rng.pick(ROUTES_WITH_BODIES)[1],
    as: 'anna',
    body: rng.pick(['{', '{"a":', '{"a":1}}', '\uFEFF{"a":1}', '{"a":NaN}', "{'a':1}", '{"a":1,}', '[', '"\\ud800"', '{"a":"\\u00"}', '1e99999', '\u0000']),
    contentType: 'application/json',
  }),
  'json-deep': (rng, t) => {
    const depth = rng.pick([40, 70, 1000, 100_000]);
    const [path, wrap] = rng.pick<[string, (v: string) => string]>([
      ['/api/process-instances', (v) => `{"processKey":"${t.fuzzKey}","variables":{"items":[],"deep":${v}}}`],
      ['/api/messages', (v) => `{"name":"fuzz-msg","variables":{"deep":${v}}}`],
      ['/api/signals', (v) => `{"name":"fuzz-signal","variables":{"deep":${v}}}`],
      [`/api/tasks/${t.taskId()}/complete`, (v) => `{"variables":{"deep":${v}}}`],
      [`/api/process-instances/${t.instanceId()}/variables`, (v) => `{"variables":{"deep":${v}}}`],
      ['/api/process-instances', (v) => `{"processKey":"${t.fuzzKey}","deep":${v}}`],
    ]);
    return { method: 'POST', path, as: path.includes('/tasks/') ? 'aziz' : 'anna', body: wrap(nested(depth, '1', rng)), contentType: 'application/json' };
  },
  'variables-huge': (rng, t) => {
    const size = rng.pick([100_000, 600_000, 900_000]);
    const variables = rng.pick<Record<string, unknown>>([
      { items: [], blob: 'é'.repeat(size / 2) },
      { items: Array.from({ length: size / 20 }, (_, i) => ({ i })) },
      { items: [], 'a.b': 1, $where: 'x', '': 0, '\u0000': 'nul', ['k'.repeat(5000)]: 1 },
    ]);
    const [path, as, body] = rng.pick<[string, string, unknown]>([
      ['/api/process-instances', 'anna', { processKey: t.fuzzKey, variables }],
      [`/api/tasks/${t.taskId()}/complete`, 'aziz', { variables }],
      [`/api/process-instances/${t.instanceId()}/variables`, 'anna', { variables }],
      ['/api/messages', 'anna', { name: 'fuzz-msg', correlationKey: 'x', variables }],
      ['/api/signals', 'anna', { name: 'fuzz-signal', variables }],
    ]);
    return { method: 'POST', path, as, body: JSON.stringify(body), contentType: 'application/json' };
  },
  'url-odd': (rng) => ({
    method: rng.pick(['GET', 'POST', 'DELETE', 'PATCH', 'PUT']),
    path: rng.pick([
      `/api/process-instances/${'x'.repeat(10_000)}`,
      '/api/processes/%E0%A4%A/xml',
      '/api/tasks/..%2f..%2fetc%2fpasswd',
      '/api/process-instances?state=active&state=completed',
      '/api/process-instances?processKey[$ne]=x',
      `/api/tasks?assignee=${'%00'.repeat(100)}`,
      '/api/processes/__proto__',
      '/api/processes/constructor/xml?version=1e400',
      '/api/incidents?state=open&processInstanceId[]=1',
    ]),
    as: 'anna',
  }),
  'valid-start': (rng, t) => ({
    method: 'POST',
    path: '/api/process-instances',
    as: 'anna',
    body: JSON.stringify({ processKey: t.fuzzKey, businessKey: `fuzz-${rng.int(0, 1e6)}`, variables: { items: [1, 2, 3], n: rng.pick([10, 1e9]), text: `${'a'.repeat(30)}!` } }),
    contentType: 'application/json',
  }),
};

export const HOSTILE_KINDS = Object.keys(GENERATORS);

// ------------------------------------------------------------------------------------------------
// The run

interface ErrorShape {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

function heapAfterGcMb(): number {
  // The gc function is only reachable with --expose-gc; the flag can be turned on at run time.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}

async function send(server: TestServer, req: FuzzRequest, timeoutMs: number): Promise<{ status: number; contentType: string; text: string }> {
  const headers: Record<string, string> = {};
  if (req.as) headers.authorization = `Bearer ${await server.login(req.as)}`;
  if (req.body !== undefined && req.contentType !== undefined) headers['content-type'] = req.contentType;
  const res = await fetch(server.url + req.path, { method: req.method, headers, body: req.body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** What must not change: the baseline process's diagram, the instance, its task and its history. */
async function snapshot(server: TestServer, instanceId: string, taskId: string): Promise<string> {
  const parts = await Promise.all([
    server.as('anna', 'GET', '/api/processes/baseline/xml?version=1'),
    server.as('anna', 'GET', `/api/process-instances/${instanceId}`),
    server.as('anna', 'GET', `/api/process-instances/${instanceId}/history`),
    server.as('aziz', 'GET', `/api/tasks/${taskId}`),
  ]);
  return JSON.stringify(parts.map((p) => [p.status, p.body]));
}

export async function runHostileInputFuzz(options: HostileFuzzOptions): Promise<HostileFuzzReport> {
  const started = Date.now();
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const rng = new Rng(options.seed);
  const server = await TestServer.start();
  const failures: string[] = [];
  const kinds: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  let slowestMs = 0;
  try {
    await server.createUsers([
      { username: 'anna', roles: ['analyst'] },
      { username: 'aziz', roles: ['employee'], groups: ['sales'] },
    ]);
    // Stored before the fuzz: a deployed process, a running instance with variables, its task.
    const baselineXml = VALID_DIAGRAM('baseline');
    const deployed = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'baseline.bpmn', content: baselineXml }] } });
    if (deployed.status !== 201) throw new Error(`baseline deploy: ${deployed.status} ${deployed.text}`);
    const started1 = await server.as<{ id: string }>('anna', 'POST', '/api/process-instances', {
      body: { processKey: 'baseline', businessKey: 'before-fuzz', variables: { items: ['a', 'b'], customer: { name: 'Acme', address: { city: 'Tashkent' } }, note: 'ünïcødé ✓' } },
    });
    const baselineInstance = started1.body.id;
    const tasks = await server.as<Array<{ id: string }>>('aziz', 'GET', `/api/tasks?processInstanceId=${baselineInstance}`);
    const baselineTask = tasks.body[0]!.id;
    const fuzzDeploy = await server.as('anna', 'POST', '/api/deployments', { body: { resources: [{ name: 'fuzz.bpmn', content: VALID_DIAGRAM('fuzz_target') }] } });
    if (fuzzDeploy.status !== 201) throw new Error(`fuzz deploy: ${fuzzDeploy.status} ${fuzzDeploy.text}`);
    // A task of the fuzz process that completions may aim at; some attempts will complete it.
    let fuzzTask = 'no-such-task';
    let fuzzInstance = 'no-such-instance';
    const refreshTask = async () => {
      const open = await server.as<Array<{ id: string; processKey: string; processInstanceId: string }>>('aziz', 'GET', '/api/tasks?state=open');
      const mine = open.body.find((task) => task.processKey === 'fuzz_target');
      if (mine) {
        fuzzTask = mine.id;
        fuzzInstance = mine.processInstanceId;
      }
      else {
        await server.as('anna', 'POST', '/api/process-instances', { body: { processKey: 'fuzz_target', variables: { items: [] } } });
      }
    };
    await refreshTask();
    const target: Target = { fuzzKey: 'fuzz_target', taskId: () => fuzzTask, instanceId: () => fuzzInstance };

    const before = await snapshot(server, baselineInstance, baselineTask);
    const heapBeforeMb = heapAfterGcMb();

    for (let i = 0; i < options.iterations; i++) {
      // The first pass visits every kind once, so even a short run covers them all.
      const kind = i < HOSTILE_KINDS.length ? HOSTILE_KINDS[i]! : rng.pick(HOSTILE_KINDS);
      const req = GENERATORS[kind]!(rng, target);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const t0 = Date.now();
      let status = 0;
      try {
        const res = await send(server, req, timeoutMs);
        status = res.status;
        const problem = judge(res);
        if (problem) failures.push(`#${i} ${kind} ${req.method} ${req.path.slice(0, 80)}: ${problem}`);
      } catch (err) {
        failures.push(`#${i} ${kind} ${req.method} ${req.path.slice(0, 80)}: no answer (${(err as Error).name}: ${(err as Error).message})`);
      }
      const ms = Date.now() - t0;
      slowestMs = Math.max(slowestMs, ms);
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      options.onRequest?.({ iteration: i, kind, method: req.method, path: req.path.slice(0, 120), status, ms });
      if (i % 10 === 9) {
        const health = await send(server, { method: 'GET', path: '/health', as: null }, 5000).catch((err: Error) => ({ status: 0, text: err.message }));
        if (health.status !== 200) failures.push(`#${i} the server stopped answering /health: ${health.status} ${health.text}`);
        await refreshTask();
      }
    }

    const heapAfterMb = heapAfterGcMb();
    const after = await snapshot(server, baselineInstance, baselineTask);
    if (after !== before) failures.push(`data stored before the fuzz changed:\nbefore ${before.slice(0, 2000)}\nafter  ${after.slice(0, 2000)}`);
    return { seed: options.seed, requests: options.iterations, kinds, statuses, failures, heapBeforeMb, heapAfterMb, slowestMs, durationMs: Date.now() - started };
  } finally {
    await server.close();
  }
}

function judge(res: { status: number; contentType: string; text: string }): string | null {
  if (res.status >= 200 && res.status < 300) return null;
  if (res.status < 400 || res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (!res.contentType.includes('application/json')) return `status ${res.status} without a JSON error body (${res.contentType})`;
  let body: ErrorShape;
  try {
    body = JSON.parse(res.text) as ErrorShape;
  } catch {
    return `status ${res.status} with a body that is not JSON`;
  }
  const e = body.error;
  if (!e || typeof e.code !== 'string' || e.code === '' || typeof e.message !== 'string' || e.message.trim() === '' || !Array.isArray(e.details)) {
    return `status ${res.status} without the contract's error shape: ${res.text.slice(0, 300)}`;
  }
  return null;
}

// npm run fuzz:hostile -- --iterations 2000 --seed 7
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : Number(process.argv[i + 1]);
  };
  const report = await runHostileInputFuzz({
    iterations: arg('iterations', 500),
    seed: arg('seed', 1),
    onRequest: (e) => {
      if (e.iteration % 50 === 0 || e.status >= 500 || e.status === 0) console.log(`${e.iteration} ${e.kind} ${e.method} ${e.path.slice(0, 60)} → ${e.status} in ${e.ms} ms`);
    },
  });
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}
