// The canonical flow on the MongoDB store, next to the embedded result: (a) one engine in this
// process, (b) three engine processes (bench/mongo-node.ts) on one database with the same N split
// over them. Each run uses a fresh database, dropped afterwards. Without MONGODB_URL it prints one
// line and returns null.
//
// Unlike bench/karvon.ts (start everything, then complete everything), each caller here drives one
// instance at a time from start to end: start, wait for the user task, complete it, wait for the
// end. That gives the whole instance's latency, the figure that matters across nodes.
//
// On FerretDB (CI, ../shared/README.md) a commit costs ~10 ms: the figures are a floor, not
// MongoDB's.

import { ForkedNode } from '../test/multinode/forked-node.ts';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { Engine } from '../engine/engine.ts';
import { openMongoStore } from '../engine/store/mongo.ts';
import type { Variables } from '../engine/types.ts';
import { PROCESS_KEY } from './diagrams.ts';
import type { KarvonResult } from './karvon.ts';
import { pool, Samples, type LatencySummary } from './measure.ts';
import { MongoBenchHandler } from './mongo-node.ts';

export interface MongoBenchOptions {
  xml: string;
  n: number;
  concurrency: number;
  /** The embedded run, printed beside the MongoDB figures. */
  embedded?: KarvonResult;
}

export interface MongoRun {
  nodes: number;
  n: number;
  concurrency: number;
  wallMs: number;
  instancesPerSec: number;
  failedCommands: number;
  latencyMs: {
    start: LatencySummary;
    completeJob: LatencySummary | null;
    completeTask: LatencySummary;
    /** Start call until the instance's end was observed. */
    instance: LatencySummary;
  };
}

export interface MongoBenchResult {
  server: string;
  oneNode: MongoRun;
  threeNodes: MongoRun;
}

const WARMUP = 32;
const WAIT_MS = 60_000;

/** Runs both scenarios and prints their table; null (with one line) when MONGODB_URL is unset. */
export async function runMongoBench(options: MongoBenchOptions): Promise<MongoBenchResult | null> {
  const url = process.env.MONGODB_URL?.trim();
  if (!url) {
    console.log('\nMongoDB bench skipped: MONGODB_URL is not set (see ../shared/README.md; --no-mongo silences this)');
    return null;
  }
  const admin = new MongoClient(url);
  await admin.connect();
  const dbs: string[] = [];
  const fresh = () => {
    const name = `karvon_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    dbs.push(name);
    return name;
  };
  try {
    const info = await admin.db('admin').command({ buildInfo: 1 }).catch(() => ({}) as Record<string, unknown>);
    const ferret = (info as { ferretdbVersion?: string }).ferretdbVersion;
    const server = ferret ? `FerretDB ${ferret} (wire version ${String(info.version)})` : `MongoDB ${String(info.version ?? 'unknown')}`;
    const oneNode = await runOneNode(url, fresh(), options);
    const threeNodes = await runThreeNodes(url, fresh(), options);
    const result = { server, oneNode, threeNodes };
    console.log(`\n${formatMongoBench(result, options.embedded)}`);
    return result;
  } finally {
    for (const db of dbs) await admin.db(db).dropDatabase().catch(() => {});
    await admin.close();
  }
}

/** Events keyed by instance id that may arrive before anyone waits for them. */
class Arrivals<T> {
  private readonly seen = new Map<string, T>();
  private readonly waiters = new Map<string, (value: T) => void>();

  put(id: string, value: T): void {
    const w = this.waiters.get(id);
    if (w) {
      this.waiters.delete(id);
      w(value);
    } else this.seen.set(id, value);
  }

  take(id: string, what: string): Promise<T> {
    if (this.seen.has(id)) {
      const v = this.seen.get(id)!;
      this.seen.delete(id);
      return Promise.resolve(v);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`MongoDB bench: no ${what} for instance ${id} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.waiters.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
  }
}

interface Driver {
  start(i: number, orderNo: number): Promise<string>;
  complete(i: number, taskId: string): Promise<void>;
  tasks: Arrivals<string>;
  ends: Arrivals<true>;
}

/** Drives `count` instances, `concurrency` at a time, each from start to end. */
async function drive(driver: Driver, count: number, concurrency: number, offset: number, rec: { start: Samples; completeTask: Samples; instance: Samples }): Promise<number> {
  const t0 = performance.now();
  await pool(count, concurrency, async (i) => {
    const ti = performance.now();
    const id = await driver.start(i, offset + i);
    rec.start.add(performance.now() - ti);
    const taskId = await driver.tasks.take(id, 'user task');
    const tc = performance.now();
    await driver.complete(i, taskId);
    rec.completeTask.add(performance.now() - tc);
    await driver.ends.take(id, 'end');
    rec.instance.add(performance.now() - ti);
  });
  return performance.now() - t0;
}

const recorders = () => ({ start: new Samples(), completeTask: new Samples(), instance: new Samples(), completeJob: new Samples() });

async function runOneNode(url: string, dbName: string, options: MongoBenchOptions): Promise<MongoRun> {
  const store = await openMongoStore({ url, dbName });
  const engine = await Engine.open({ store, handlers: [new MongoBenchHandler()], pollMs: 250 });
  const tasks = new Arrivals<string>();
  const ends = new Arrivals<true>();
  let failedCommands = 0;
  engine.on((e) => {
    if (e.type === 'task.created') tasks.put(e.instanceId, e.taskId);
    else if (e.type === 'instance.ended') ends.put(e.instanceId, true);
    else if (e.type === 'command' && !e.ok) failedCommands++;
  });
  let rec = recorders();
  // Timed here as in bench/karvon.ts: the job runner completes in-process jobs through this.
  const completeJob = engine.completeJob.bind(engine);
  engine.completeJob = async (key: string, variables?: Variables, instanceId?: string, inProcess?: boolean) => {
    const t0 = performance.now();
    try {
      await completeJob(key, variables, instanceId, inProcess);
    } finally {
      rec.completeJob.add(performance.now() - t0);
    }
  };
  const driver: Driver = {
    start: async (_i, orderNo) => (await engine.startInstance({ processKey: PROCESS_KEY, variables: { orderNo } })).id,
    complete: (_i, taskId) => engine.completeTask(taskId, { confirmed: true }),
    tasks,
    ends,
  };
  try {
    await engine.deploy([{ name: 'canonical.bpmn', content: options.xml }]);
    await drive(driver, Math.min(WARMUP, options.n), options.concurrency, 0, rec);
    rec = recorders();
    failedCommands = 0;
    const wallMs = await drive(driver, options.n, options.concurrency, WARMUP, rec);
    return {
      nodes: 1,
      n: options.n,
      concurrency: options.concurrency,
      wallMs,
      instancesPerSec: (options.n / wallMs) * 1000,
      failedCommands,
      latencyMs: { start: rec.start.summary(), completeJob: rec.completeJob.summary(), completeTask: rec.completeTask.summary(), instance: rec.instance.summary() },
    };
  } finally {
    await engine.close();
    await store.close();
  }
}

const nodeFile = fileURLToPath(new URL('./mongo-node.ts', import.meta.url));

async function runThreeNodes(url: string, dbName: string, options: MongoBenchOptions): Promise<MongoRun> {
  const tasks = new Arrivals<string>();
  const ends = new Arrivals<true>();
  let failedCommands = 0;
  const onMessage = (m: Record<string, unknown>) => {
    if (m.op !== 'event') return;
    const instanceId = String(m.instanceId);
    if (m.type === 'task.created') tasks.put(instanceId, String(m.taskId));
    else if (m.type === 'instance.ended') ends.put(instanceId, true);
    else if (m.type === 'command.failed') failedCommands++;
  };
  const nodes: ForkedNode[] = [];
  try {
    const spawned = await Promise.allSettled(
      ['bench-a', 'bench-b', 'bench-c'].map((id) =>
        ForkedNode.spawn(id, { file: nodeFile, env: { MONGODB_URL: url, KARVON_BENCH_DB: dbName, KARVON_NODE_ID: id, KARVON_BENCH_NODE: '1' }, onMessage }),
      ),
    );
    for (const s of spawned) if (s.status === 'fulfilled') nodes.push(s.value.node);
    const failed = spawned.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await nodes[0].request({ op: 'deploy', xml: options.xml });
    // Instance i is started and its task completed on node i mod 3: the N split evenly over them.
    const driver: Driver = {
      start: async (i, orderNo) => (await nodes[i % nodes.length].request({ op: 'start', orderNo })).id as string,
      complete: async (i, taskId) => {
        await nodes[i % nodes.length].request({ op: 'complete', taskId });
      },
      tasks,
      ends,
    };
    let rec = recorders();
    await drive(driver, Math.min(WARMUP * 3, options.n), options.concurrency, 0, rec);
    rec = recorders();
    failedCommands = 0;
    const wallMs = await drive(driver, options.n, options.concurrency, WARMUP * 3, rec);
    return {
      nodes: nodes.length,
      n: options.n,
      concurrency: options.concurrency,
      wallMs,
      instancesPerSec: (options.n / wallMs) * 1000,
      failedCommands,
      latencyMs: { start: rec.start.summary(), completeJob: null, completeTask: rec.completeTask.summary(), instance: rec.instance.summary() },
    };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

const f = (v: number, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number | undefined) => (v === undefined ? '—' : v < 10 ? f(v, 2) : v < 100 ? f(v, 1) : f(v, 0));

/** Embedded vs MongoDB 1 node vs 3 nodes, one column each. */
export function formatMongoBench(r: MongoBenchResult, embedded?: KarvonResult): string {
  const cols: Array<{ name: string; run?: MongoRun; emb?: KarvonResult }> = [];
  if (embedded) cols.push({ name: 'embedded', emb: embedded });
  cols.push({ name: 'mongo 1 node', run: r.oneNode }, { name: 'mongo 3 nodes', run: r.threeNodes });
  const widths = [26, ...cols.map(() => 14)];
  const line = (cells: string[]) => `    ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  const pick = (get: (c: (typeof cols)[number]) => string) => cols.map(get);
  const lat = (name: string, key: 'start' | 'completeJob' | 'completeTask', p: 'p50' | 'p99') =>
    line([`${name} ${p} ms`, ...pick((c) => ms(c.emb ? c.emb.latencyMs[key][p] : (c.run!.latencyMs[key] ?? undefined)?.[p]))]);
  return [
    `MongoDB backend (${r.server}; on FerretDB the figures are a floor, not MongoDB's)`,
    `  canonical flow, N=${f(r.oneNode.n)}, ${r.oneNode.concurrency} callers each driving one instance start→end (embedded: N=${embedded ? f(embedded.n) : '—'}, phased)`,
    line(['', ...cols.map((c) => c.name)]),
    line(['instances/s', ...pick((c) => f(c.emb ? c.emb.instancesPerSec : c.run!.instancesPerSec, 1))]),
    lat('start', 'start', 'p50'),
    lat('start', 'start', 'p99'),
    lat('completeJob', 'completeJob', 'p50'),
    lat('completeJob', 'completeJob', 'p99'),
    lat('completeTask', 'completeTask', 'p50'),
    lat('completeTask', 'completeTask', 'p99'),
    line(['whole instance p50 ms', ...pick((c) => (c.emb ? '—' : ms(c.run!.latencyMs.instance.p50)))]),
    line(['whole instance p99 ms', ...pick((c) => (c.emb ? '—' : ms(c.run!.latencyMs.instance.p99)))]),
    line(['failed commands', ...pick((c) => f(c.emb ? c.emb.failedCommands : c.run!.failedCommands))]),
    `  3 nodes: commands sent over IPC to the node that starts the instance (i mod 3); their latencies include the IPC hop.`,
  ].join('\n');
}
