// Inbox query latency with many open tasks: 100,000 waiting instances (one open task each)
// offered to 50 groups, a third of them assigned to one of 1,000 users, then the requests the
// inbox makes, over HTTP as employees, against a server in its own process.
//
// Tasks are real: the instances are started through the engine (on the same store, before the
// server opens it). Only the employees the queries run as get accounts: a query depends on the
// user's name and groups, not on the other 980 accounts existing, and creating accounts costs a
// password hash each.

import { Engine } from '../../engine/engine.ts';
import type { Store } from '../../engine/store/port.ts';
import { pool } from '../measure.ts';
import { HttpClient } from './http-client.ts';
import { INBOX, INBOX_KEY } from './diagrams.ts';
import { ADMIN_PASSWORD, launchServer, newTarget, PASSWORD, type StoreKind } from './server.ts';
import { int, ms, percentiles, table, type Percentiles } from './stats.ts';

export interface InboxOptions {
  store: StoreKind;
  tasks: number;
  users: number;
  groups: number;
  /** Requests per query kind. */
  queries: number;
}

export interface InboxQueryResult {
  name: string;
  path: string;
  /** Tasks per answer, averaged. */
  rows: number;
  latency: Percentiles;
}

export interface InboxResult {
  store: StoreKind;
  tasks: number;
  users: number;
  groups: number;
  seedSeconds: number;
  seedPerSecond: number;
  queries: InboxQueryResult[];
  targetP99Ms: number;
}

/** Employees the queries run as (with accounts); the rest exist only as assignees. */
const SAMPLED = 20;
export const INBOX_TARGET_P99_MS = 50;

/** The inbox's page size (PAGE_SIZE in server/inbox/src/pages/tasks.ts). */
const PAGE = 50;

interface Employee {
  user: number;
  token: string;
  /** X-Next-Cursor of their first page. */
  next: string;
  /** Tasks on their first page, with their cases and business keys. */
  tasks: string[];
  cases: string[];
  keys: string[];
}

const userName = (i: number) => `user${String(i).padStart(4, '0')}`;
const groupName = (i: number) => `group${String(i).padStart(2, '0')}`;
/** Everyone is in one group; every fifth user in a second one too. */
function groupsOf(user: number, groups: number): string[] {
  const first = user % groups;
  return user % 5 === 0 ? [groupName(first), groupName((first + 1) % groups)] : [groupName(first)];
}

export async function runInbox(options: InboxOptions): Promise<InboxResult> {
  const target = await newTarget(options.store);
  try {
    const seeded = await seed(target.open, options);
    const server = await launchServer(target);
    const http = new HttpClient(server.url);
    try {
      const admin = await http.login('admin', ADMIN_PASSWORD);
      const sampled = Array.from({ length: SAMPLED }, (_, k) => Math.floor((k * options.users) / SAMPLED));
      const tokens: Employee[] = [];
      for (const u of sampled) {
        await http.ok('POST', '/api/users', admin, { username: userName(u), password: PASSWORD, roles: ['employee'], groups: groupsOf(u, options.groups) });
        const token = await http.login(userName(u), PASSWORD);
        // The inbox's first page: its cursor, its tasks (and their cases) are what follow-up requests use.
        const first = await http.call<Array<{ id: string; processInstanceId: string; businessKey: string | null }>>('GET', `/api/tasks?state=open&limit=${PAGE}`, token);
        const next = first.headers['x-next-cursor'];
        if (typeof next !== 'string') throw new Error(`${userName(u)} has no second page: seed more tasks`);
        tokens.push({
          user: u,
          token,
          next,
          tasks: first.body.map((t) => t.id),
          cases: first.body.map((t) => t.processInstanceId),
          keys: first.body.map((t) => t.businessKey ?? ''),
        });
      }

      // Exactly what the inbox asks (server/inbox/src/pages/tasks.ts, api.ts taskPage): the first
      // page, "Load more" with the cursor, the search (sent with the unsearched first page, measured
      // above), "assigned to me", a process filter; each listed task's details for its business
      // summary; and the open task of one case (the case page).
      const kinds: Array<{ name: string; path: (e: Employee, i: number) => string }> = [
        { name: 'first page', path: () => `/api/tasks?state=open&limit=${PAGE}` },
        { name: 'next page ("Load more", after=<cursor>)', path: (e) => `/api/tasks?state=open&limit=${PAGE}&after=${encodeURIComponent(e.next)}` },
        { name: 'search: a business key (q=ORD-<n>)', path: (e, i) => `/api/tasks?q=${encodeURIComponent(e.keys[i % e.keys.length])}&state=open&limit=${PAGE}` },
        { name: 'search: a few letters matching all (q=ord)', path: () => `/api/tasks?q=ord&state=open&limit=${PAGE}` },
        { name: 'search: no match (q=zzz)', path: () => `/api/tasks?q=zzz&state=open&limit=${PAGE}` },
        { name: 'assigned to me', path: () => `/api/tasks?assignee=me&state=open&limit=${PAGE}` },
        { name: 'process filter', path: () => `/api/tasks?processKey=${INBOX_KEY}&state=open&limit=${PAGE}` },
        { name: 'task details (per listed task)', path: (e, i) => `/api/tasks/${e.tasks[i % e.tasks.length]}` },
        { name: 'open task of a case', path: (e, i) => `/api/tasks?processInstanceId=${e.cases[i % e.cases.length]}&state=open` },
      ];
      const results: InboxQueryResult[] = [];
      for (const kind of kinds) {
        const samples: number[] = [];
        let rows = 0;
        const run = async (i: number, record: boolean) => {
          const employee = tokens[i % tokens.length];
          const path = kind.path(employee, Math.floor(i / tokens.length));
          const t0 = performance.now();
          const reply = await http.call<unknown>('GET', path, employee.token);
          const elapsed = performance.now() - t0;
          if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status}`);
          if (record) {
            samples.push(elapsed);
            rows += Array.isArray(reply.body) ? reply.body.length : 1;
          }
        };
        for (let i = 0; i < Math.min(20, options.queries); i++) await run(i, false);
        // One employee at a time: the latency of a query, not of a queue of them.
        for (let i = 0; i < options.queries; i++) await run(i, true);
        results.push({ name: kind.name, path: kind.path(tokens[0], 0), rows: rows / samples.length, latency: percentiles(samples) });
        process.stderr.write(`  inbox ${options.store} ${kind.name}: p99 ${ms(results.at(-1)!.latency.p99)} ms\n`);
      }
      return { store: options.store, tasks: options.tasks, users: options.users, groups: options.groups, ...seeded, queries: results, targetP99Ms: INBOX_TARGET_P99_MS };
    } finally {
      http.close();
      await server.close();
    }
  } finally {
    await target.dispose();
  }
}

async function seed(open: () => Promise<Store>, options: InboxOptions): Promise<{ seedSeconds: number; seedPerSecond: number }> {
  const store = await open();
  const engine = await Engine.open({ store, pollMs: 0 });
  try {
    await engine.deploy([{ name: 'inbox.bpmn', content: INBOX }]);
    const t0 = performance.now();
    let done = 0;
    await pool(options.tasks, 64, async (i) => {
      // A third assigned; priorities mostly the default, some high and low.
      const assignee = i % 3 === 0 ? userName((i * 7919) % options.users) : null;
      const priority = i % 10 === 0 ? 80 : i % 10 === 1 ? 20 : 50;
      await engine.startInstance({ processKey: INBOX_KEY, businessKey: `ORD-${i}`, variables: { group: groupName(i % options.groups), assignee, priority } });
      if (++done % 20_000 === 0) process.stderr.write(`  inbox ${options.store}: seeded ${int(done)} tasks\n`);
    });
    const seedSeconds = (performance.now() - t0) / 1000;
    return { seedSeconds, seedPerSecond: options.tasks / seedSeconds };
  } finally {
    await engine.close();
    await store.close();
  }
}

export function formatInbox(r: InboxResult): string {
  const rows = r.queries.map((q) => [q.name, int(q.rows), ms(q.latency.p50), ms(q.latency.p99), ms(q.latency.p999), ms(q.latency.max)]);
  return [
    `Inbox queries on ${r.store === 'sqlite' ? 'the embedded store (SQLite)' : 'MongoDB'}: ${int(r.tasks)} open tasks, ${int(r.users)} users, ${r.groups} groups, over HTTP as employees, one request at a time`,
    `  seeded through the engine at ${int(r.seedPerSecond)} instances/s (${r.seedSeconds.toFixed(1)} s)`,
    table(['query', 'tasks/answer', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'], rows),
    `  target: p99 under ${r.targetP99Ms} ms on the embedded store`,
  ].join('\n');
}
