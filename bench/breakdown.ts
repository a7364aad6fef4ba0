// Where Karvon's CPU per instance goes. The engine facade is bypassed and its sequence of calls
// for one canonical instance replayed by hand (the same store calls, the same pure `step`), one
// instance at a time, with a timer around each kind of work. What the full engine spends beyond
// this sum is its runtime: promises, per-instance queues, the job runner, events.
//
// Everything here is synchronous under the hood (better-sqlite3, the pure core), so the CPU time
// around each call belongs to that call, apart from the microtask hop of an `await`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { evaluateExpr, expr } from '../engine/feel.ts';
import { compileDefinitions } from '../engine/model/compile.ts';
import type { ProcessModel } from '../engine/model/types.ts';
import { parseBpmnXml } from '../engine/model/xml.ts';
import { Engine } from '../engine/engine.ts';
import { step, type Command } from '../engine/step.ts';
import { openSqliteStore } from '../engine/store/sqlite.ts';
import type { Store } from '../engine/store/port.ts';
import type { InstanceState, Variables } from '../engine/types.ts';
import { PROCESS_KEY } from './diagrams.ts';
import { cpuMs } from './measure.ts';

export interface BreakdownResult {
  instances: number;
  /** CPU ms per instance of the replayed sequence, all parts together. */
  totalMsPerInstance: number;
  /** ms per instance by kind of work, largest first. */
  parts: Array<{ name: string; msPerInstance: number; callsPerInstance: number }>;
  /**
   * The store's share split by SQL statement (a second replay with every statement timed, which
   * itself costs about a microsecond per statement), largest first.
   */
  statements: Array<{ sql: string; msPerInstance: number; callsPerInstance: number }>;
  /** Isolated costs, ms per call, measured on their own. */
  unit: {
    /** A one-row write committed on its own. */
    txPerRow: number;
    /** The same write when a thousand share one commit: the difference is the commit. */
    batchedPerRow: number;
    stateStringify: number;
    stateParse: number;
    feelCondition: number;
    feelCompiledPathVsInterpreter: { path: number; interpreter: number };
  };
}

/**
 * Per-kind totals in CPU time (getrusage through process.cpuUsage), not wall time: on a shared
 * machine wall time also counts the moments other processes held the core.
 */
class Meter {
  readonly totals = new Map<string, { ms: number; calls: number }>();

  async time<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const c0 = process.cpuUsage();
    try {
      return await fn();
    } finally {
      this.add(name, c0);
    }
  }

  sync<T>(name: string, fn: () => T): T {
    const c0 = process.cpuUsage();
    try {
      return fn();
    } finally {
      this.add(name, c0);
    }
  }

  private add(name: string, c0: NodeJS.CpuUsage): void {
    const entry = this.totals.get(name) ?? { ms: 0, calls: 0 };
    entry.ms += cpuMs(c0);
    entry.calls++;
    this.totals.set(name, entry);
  }
}

export async function runBreakdown(xml: string, instances: number, warmup: number): Promise<BreakdownResult> {
  const dir = mkdtempSync(join(tmpdir(), 'karvon-breakdown-'));
  const file = join(dir, 'breakdown.db');
  const store = await openSqliteStore({ file });
  try {
    // Deploy through the engine so the stored definition is exactly what a real run uses.
    const deployer = await Engine.open({ store, pollMs: 0 });
    await deployer.deploy([{ name: 'canonical.bpmn', content: xml }]);
    await deployer.close();
    const def = (await store.findDefinition(PROCESS_KEY))!;
    const parsed = await parseBpmnXml('canonical.bpmn', xml);
    const compiled = compileDefinitions(parsed.definitions, parsed.warnings).processes.find((p) => p.key === PROCESS_KEY)!;
    const model: ProcessModel = Object.freeze({ ...compiled.model, definitionId: def.id, version: def.version });

    let ids = 0;
    const ctx = () => ({ now: Date.now(), newId: () => `bd-${++ids}` });

    const warm = new Meter();
    for (let i = 0; i < warmup; i++) await replayOne(store, model, warm, ctx, i);
    const meter = new Meter();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < instances; i++) await replayOne(store, model, meter, ctx, warmup + i);
    const total = cpuMs(cpu0) / instances;

    const bySql = new Meter();
    const restore = timeStatements(bySql);
    const sqlInstances = Math.min(instances, 500);
    try {
      for (let i = 0; i < sqlInstances; i++) await replayOne(store, model, new Meter(), ctx, warmup + instances + i);
    } finally {
      restore();
    }

    const unit = await unitCosts(store, file, model, ctx);
    return {
      instances,
      totalMsPerInstance: total,
      parts: perInstance(meter, instances).map(({ key, ...rest }) => ({ name: key, ...rest })),
      statements: perInstance(bySql, sqlInstances).map(({ key, ...rest }) => ({ sql: key, ...rest })),
      unit,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function perInstance(meter: Meter, instances: number): Array<{ key: string; msPerInstance: number; callsPerInstance: number }> {
  return [...meter.totals]
    .map(([key, t]) => ({ key, msPerInstance: t.ms / instances, callsPerInstance: t.calls / instances }))
    .sort((a, b) => b.msPerInstance - a.msPerInstance);
}

/**
 * Wraps run/get/all of better-sqlite3's statement class (shared by every connection, including
 * the store's private one and the BEGIN/COMMIT of its transactions) to time each by its SQL.
 */
function timeStatements(meter: Meter): () => void {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...args: unknown[]) => unknown>;
  probe.close();
  const originals = { run: proto.run, get: proto.get, all: proto.all };
  for (const method of ['run', 'get', 'all'] as const) {
    const original = originals[method];
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      return meter.sync(label(this.source), () => original.apply(this, args));
    };
  }
  return () => Object.assign(proto, originals);
}

const labels = new Map<string, string>();

/** Short, stable label for a statement: its first words, whitespace folded. */
function label(sql: string): string {
  let l = labels.get(sql);
  if (!l) {
    const flat = sql.replace(/\s+/g, ' ').trim();
    l = flat.length > 72 ? `${flat.slice(0, 69)}...` : flat;
    labels.set(sql, l);
  }
  return l;
}

/** One instance, call for call as Engine + JobRunner do it when the jobs run in-process. */
async function replayOne(store: Store, model: ProcessModel, m: Meter, ctx: () => { now: number; newId: () => string }, orderNo: number): Promise<void> {
  await m.time('store.findDefinition', () => store.findDefinition(PROCESS_KEY));
  const started = m.sync('core.step', () => step(model, null, { type: 'start', instanceId: `pi-${orderNo}-${Date.now()}`, variables: { orderNo } }, ctx()));
  await m.time('store.createInstance', () => store.createInstance(started.state, started.effects));
  const id = started.state.id;

  for (const type of ['bench.fetch', 'bench.ship']) {
    const [job] = await m.time('store.activateJobs', () => store.activateJobs({ type, worker: 'bench', maxJobs: 32, lockMs: 300_000, now: Date.now() }));
    if (!job || job.processInstanceId !== id) throw new Error(`breakdown: expected a ${type} job of ${id}`);
    await m.time('store.getInstance', () => store.getInstance(id)); // job variables for the handler
    // The runner completes the job with its instance id, so the engine does not read the job again.
    const variables: Variables = type === 'bench.fetch' ? { amount: orderNo % 2 === 0 ? 1500 : 500 } : { shipped: true };
    await apply(store, model, m, ctx, id, { type: 'completeJob', jobKey: job.key, variables });
    await m.time('store.nextJobWakeUp', () => store.nextJobWakeUp([type], Date.now()));
  }

  const state = (await store.getInstance(id))!;
  const taskId = Object.keys(state.tasks)[0];
  await m.time('store.getTask', () => store.getTask(taskId));
  await apply(store, model, m, ctx, id, { type: 'completeTask', taskId, variables: { confirmed: true } });
}

async function apply(store: Store, model: ProcessModel, m: Meter, ctx: () => { now: number; newId: () => string }, id: string, command: Command): Promise<void> {
  const current = (await m.time('store.getInstance', () => store.getInstance(id)))!;
  const rev = current.rev;
  const result = m.sync('core.step', () => step(model, current, command, ctx(), true));
  const ok = await m.time('store.commitInstance', () => store.commitInstance(result.state, rev, result.effects));
  if (!ok) throw new Error(`breakdown: stale revision on ${id}`);
}

/** Costs measured apart from the sequence, to split the store's numbers further. */
async function unitCosts(store: Store, file: string, model: ProcessModel, ctx: () => { now: number; newId: () => string }): Promise<BreakdownResult['unit']> {
  const reps = 2000;
  const per = (fn: () => void, n = reps) => {
    fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    return cpuMs(c0) / n;
  };

  // A waiting instance's state, as the store holds it.
  const s = step(model, null, { type: 'start', instanceId: 'unit', variables: { orderNo: 1 } }, ctx()).state;
  const waiting: InstanceState = JSON.parse(JSON.stringify(s));
  const text = JSON.stringify(waiting);
  let sink = 0;
  const stateStringify = per(() => {
    sink += JSON.stringify(waiting).length;
  });
  const stateParse = per(() => {
    sink += (JSON.parse(text) as InstanceState).rev;
  });

  const condition = model.flows.get('toPriority')!.condition!;
  const feelCondition = per(() => {
    const r = evaluateExpr(condition, { orderNo: 1, amount: 1500 });
    if (r.ok && r.value === true) sink++;
  });
  const path = expr('=amount');
  const interpreted = { ...expr('=amount'), path: undefined };
  const feelPath = per(() => {
    if (evaluateExpr(path, { amount: 1 }).ok) sink++;
  });
  const feelInterpreter = per(() => {
    if (evaluateExpr(interpreted, { amount: 1 }).ok) sink++;
  });

  // The price of a commit: a one-row write as its own transaction, against the same write
  // batched a thousand to a transaction. Measured on a second connection set up like the
  // store's (WAL, synchronous=NORMAL) on a scratch table of the same file.
  const db = new Database(file);
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, data TEXT NOT NULL)');
  const put = db.prepare('INSERT OR REPLACE INTO bench_scratch (id, data) VALUES (?, ?)');
  let row = 0;
  const one = db.transaction(() => put.run(++row % 512, text));
  const txPerRow = per(() => one.immediate(), 1000);
  const many = db.transaction(() => {
    for (let i = 0; i < 1000; i++) put.run(++row % 512, text);
  });
  const batchedPerRow = per(() => many.immediate(), 5) / 1000;
  db.close();
  if (sink === -1) console.log(sink);
  void store;
  return { txPerRow, batchedPerRow, stateStringify, stateParse, feelCondition, feelCompiledPathVsInterpreter: { path: feelPath, interpreter: feelInterpreter } };
}
