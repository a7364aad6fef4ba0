// Karvon on the embedded durable store: a fresh SQLite file, in-process handlers for the two job
// types, N instances started by concurrent callers until every one waits at the user task, then
// every task completed. Each wait state is a committed SQLite transaction (WAL).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Engine } from '../engine/engine.ts';
import type { InProcessJob, InProcessJobHandler, JobOutcome } from '../engine/ports.ts';
import { openSqliteStore } from '../engine/store/sqlite.ts';
import type { Variables } from '../engine/types.ts';
import { PROCESS_KEY, USER_TASK_ID } from './diagrams.ts';
import { TimeOrderedIds } from './ids.ts';
import { cpuMs, heapUsed, pool, Progress, Samples, type LatencySummary } from './measure.ts';

export interface KarvonOptions {
  xml: string;
  n: number;
  concurrency: number;
  warmup: number;
  sequential: number;
  keepDb: boolean;
  /** `random`: the engine's default ids; `time-ordered`: UUIDv7-style ids through the ids port. */
  ids: 'random' | 'time-ordered';
}

export interface KarvonResult {
  ids: KarvonOptions['ids'];
  n: number;
  concurrency: number;
  /** Start of the first instance to end of the last, minus the pause for the state readings. */
  wallMs: number;
  instancesPerSec: number;
  cpuMsPerInstance: number;
  startPhase: { wallMs: number; cpuMs: number };
  completePhase: { wallMs: number; cpuMs: number };
  latencyMs: {
    start: LatencySummary;
    completeJob: LatencySummary;
    completeTask: LatencySummary;
    /** Start call until the user task exists (two in-process jobs in between). */
    startToWaiting: LatencySummary;
  };
  waitingState: { avgBytes: number; maxBytes: number; minBytes: number };
  heapBytesPerWaiting: number;
  /** Whole database over every instance so far (all completed, history included). */
  dbBytesPerInstance: number;
  journalMode: string;
  failedCommands: number;
  sequential: { n: number; instancesPerSec: number; cpuMsPerInstance: number; instanceMs: LatencySummary; latencyMs: { start: LatencySummary; completeJob: LatencySummary; completeTask: LatencySummary } } | null;
  dbFile: string;
}

/** Completes both job types at once, with what a real fetch would hand the gateway. */
export class BenchHandler implements InProcessJobHandler {
  handles(type: string): boolean {
    return type === 'bench.fetch' || type === 'bench.ship';
  }

  async run(job: InProcessJob): Promise<JobOutcome> {
    if (job.type === 'bench.fetch') {
      // Alternate so both gateway branches run, as in bpmn-engine's run.
      const orderNo = Number(job.variables.orderNo ?? 0);
      return { kind: 'complete', variables: { amount: orderNo % 2 === 0 ? 1500 : 500 } };
    }
    return { kind: 'complete', variables: { shipped: true } };
  }
}

interface Recorders {
  start: Samples;
  completeJob: Samples;
  completeTask: Samples;
}

const recorders = (): Recorders => ({ start: new Samples(), completeJob: new Samples(), completeTask: new Samples() });

export async function runKarvon(options: KarvonOptions): Promise<KarvonResult> {
  const dir = mkdtempSync(join(tmpdir(), 'karvon-bench-'));
  const dbFile = join(dir, 'bench.db');
  const store = await openSqliteStore({ file: dbFile });
  const ids = options.ids === 'time-ordered' ? new TimeOrderedIds() : undefined;
  const engine = await Engine.open({ store, handlers: [new BenchHandler()], pollMs: 0, ids });
  try {
    await engine.deploy([{ name: 'canonical.bpmn', content: options.xml }]);
    return await measure(engine, options, dbFile);
  } finally {
    await engine.close();
    await store.close();
    if (!options.keepDb) rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(engine: Engine, options: KarvonOptions, dbFile: string): Promise<KarvonResult> {
  const progress = new Progress();
  const taskOf = new Map<string, string>();
  const waitingAt = new Map<string, number>();
  const ended = new Set<string>();
  let failedCommands = 0;
  engine.on((e) => {
    if (e.type === 'task.created') {
      taskOf.set(e.instanceId, e.taskId);
      waitingAt.set(e.instanceId, performance.now());
    } else if (e.type === 'instance.ended') ended.add(e.instanceId);
    else if (e.type === 'command' && !e.ok) failedCommands++;
    else return;
    progress.poke();
  });

  // The engine's own command events carry whole milliseconds, too coarse for sub-ms commands, so
  // the calls are timed here. In-process jobs are completed by the engine's job runner through
  // `this.completeJob`, which this instance property shadows.
  let rec = recorders();
  const completeJob = engine.completeJob.bind(engine);
  engine.completeJob = async (key: string, variables?: Variables, instanceId?: string, inProcess?: boolean) => {
    const t0 = performance.now();
    try {
      await completeJob(key, variables, instanceId, inProcess);
    } finally {
      rec.completeJob.add(performance.now() - t0);
    }
  };
  const startedAt = new Map<string, number>();

  const startAll = async (count: number, concurrency: number, offset: number): Promise<string[]> => {
    const ids: string[] = new Array(count);
    await pool(count, concurrency, async (i) => {
      const t0 = performance.now();
      const s = await engine.startInstance({ processKey: PROCESS_KEY, variables: { orderNo: offset + i } });
      rec.start.add(performance.now() - t0);
      startedAt.set(s.id, t0);
      ids[i] = s.id;
    });
    await progress.until(allIn(ids, taskOf), () => `${ids.filter((id) => taskOf.has(id)).length}/${count} instances reached the user task`);
    return ids;
  };

  const completeAll = async (ids: string[], concurrency: number): Promise<void> => {
    await pool(ids.length, concurrency, async (i) => {
      const t0 = performance.now();
      await engine.completeTask(taskOf.get(ids[i])!, { confirmed: true });
      rec.completeTask.add(performance.now() - t0);
    });
    await progress.until(allIn(ids, ended), () => `${ids.filter((id) => ended.has(id)).length}/${ids.length} instances ended`);
  };

  // Warm-up: the same cycle, unrecorded, so JIT, statement caches and the model cache are hot.
  let offset = 0;
  if (options.warmup > 0) {
    await completeAll(await startAll(options.warmup, options.concurrency, offset), options.concurrency);
    offset += options.warmup;
  }

  rec = recorders();
  const heapBefore = heapUsed();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ids = await startAll(options.n, options.concurrency, offset);
  const startPhase = { wallMs: performance.now() - t0, cpuMs: cpuMs(cpu0) };
  offset += options.n;

  // Readings while every instance waits at the user task (not timed).
  const heapWaiting = heapUsed();
  const sizes: number[] = [];
  for (const id of ids) {
    const state = await engine.getInstanceState(id);
    if (!state || state.status !== 'active' || !Object.values(state.elements).some((e) => e.elementId === USER_TASK_ID)) {
      throw new Error(`instance ${id} is not waiting at ${USER_TASK_ID}: ${JSON.stringify(state)}`);
    }
    sizes.push(Buffer.byteLength(JSON.stringify(state)));
  }
  const startToWaiting = new Samples();
  for (const id of ids) startToWaiting.add(waitingAt.get(id)! - startedAt.get(id)!);

  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  await completeAll(ids, options.concurrency);
  const completePhase = { wallMs: performance.now() - t1, cpuMs: cpuMs(cpu1) };
  const main = rec;
  const db = dbInfo(dbFile);

  // Sequential: one caller, one instance at a time from start to end; uncontended latencies.
  let sequential: KarvonResult['sequential'] = null;
  if (options.sequential > 0) {
    rec = recorders();
    const perInstance = new Samples();
    const cpuS = process.cpuUsage();
    const tS = performance.now();
    for (let i = 0; i < options.sequential; i++) {
      const ti = performance.now();
      const [id] = await startAll(1, 1, offset++);
      await completeAll([id], 1);
      perInstance.add(performance.now() - ti);
    }
    const wall = performance.now() - tS;
    sequential = {
      n: options.sequential,
      instancesPerSec: (options.sequential / wall) * 1000,
      cpuMsPerInstance: cpuMs(cpuS) / options.sequential,
      instanceMs: perInstance.summary(),
      latencyMs: { start: rec.start.summary(), completeJob: rec.completeJob.summary(), completeTask: rec.completeTask.summary() },
    };
  }

  const wallMs = startPhase.wallMs + completePhase.wallMs;
  return {
    ids: options.ids,
    n: options.n,
    concurrency: options.concurrency,
    wallMs,
    instancesPerSec: (options.n / wallMs) * 1000,
    cpuMsPerInstance: (startPhase.cpuMs + completePhase.cpuMs) / options.n,
    startPhase,
    completePhase,
    latencyMs: {
      start: main.start.summary(),
      completeJob: main.completeJob.summary(),
      completeTask: main.completeTask.summary(),
      startToWaiting: startToWaiting.summary(),
    },
    waitingState: {
      avgBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length,
      maxBytes: Math.max(...sizes),
      minBytes: Math.min(...sizes),
    },
    heapBytesPerWaiting: (heapWaiting - heapBefore) / options.n,
    dbBytesPerInstance: db.bytes / (options.warmup + options.n),
    journalMode: db.journalMode,
    failedCommands,
    sequential,
    dbFile,
  };
}

/** A check that remembers how far it got, so re-checking on every event stays linear. */
function allIn(ids: string[], seen: { has(id: string): boolean }): () => boolean {
  let i = 0;
  return () => {
    while (i < ids.length && seen.has(ids[i])) i++;
    return i === ids.length;
  };
}

/** Logical size of the database (WAL included) and its journal mode, read on a second connection. */
function dbInfo(file: string): { bytes: number; journalMode: string } {
  const db = new Database(file, { readonly: true });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { bytes: pages * pageSize, journalMode: String(db.pragma('journal_mode', { simple: true })) };
  } finally {
    db.close();
  }
}
