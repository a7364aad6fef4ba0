// Throughput as the store grows: the canonical flow's throughput measured on a store holding
// 10k, then 100k (then 1M) instances, nine in ten of them ended with their history and one in
// ten waiting at a user task, as a store that has run for a while looks. Flat figures mean the
// hot paths do not depend on how much history lies around.

import { readFileSync } from 'node:fs';
import { Engine } from '../../engine/engine.ts';
import type { Store } from '../../engine/store/port.ts';
import { PROCESS_KEY } from '../diagrams.ts';
import { BenchHandler } from '../karvon.ts';
import { pool } from '../measure.ts';
import { captureTemplates, writeCopies } from './clone-seed.ts';
import { newTarget, type StoreKind } from './server.ts';
import { int, ms, percentiles, table, type Percentiles } from './stats.ts';

export interface GrowthOptions {
  store: StoreKind;
  /** Stored instances at each measurement, ascending. */
  sizes: number[];
  /** Canonical instances run to the end at each size. */
  measure: number;
}

export interface GrowthStep {
  storedInstances: number;
  seedSeconds: number;
  instancesPerSecond: number;
  startMs: Percentiles;
  completeTaskMs: Percentiles;
  /** Open tasks of the sales group, first page: the inbox query on the grown store. */
  inboxPageMs: Percentiles;
}

export interface GrowthResult {
  store: StoreKind;
  measure: number;
  concurrency: number;
  steps: GrowthStep[];
  /** Throughput at the largest size over the smallest. */
  flatness: number;
}

const CONCURRENCY = 32;

export async function runGrowth(options: GrowthOptions): Promise<GrowthResult> {
  const xml = readFileSync(new URL('../canonical.bpmn', import.meta.url), 'utf8');
  const target = await newTarget(options.store);
  const store = await target.open();
  try {
    const templates = await captureTemplates(store, xml);
    const engine = await Engine.open({ store, handlers: [new BenchHandler()], pollMs: 0 });
    const steps: GrowthStep[] = [];
    try {
      let stored = (await store.countRecords()).instances;
      let batch = 0;
      for (const size of [...options.sizes].sort((a, b) => a - b)) {
        const t0 = performance.now();
        const missing = Math.max(0, size - stored);
        const waiting = Math.floor(missing / 10);
        const tag = `g${batch++}`;
        const progress = (done: number) => process.stderr.write(`  growth ${options.store}: seeded ${int(stored + done)} of ${int(size)}\n`);
        await writeCopies(store, templates.ended, missing - waiting, `${tag}e`, progress);
        await writeCopies(store, templates.waiting, waiting, `${tag}w`);
        const seedSeconds = (performance.now() - t0) / 1000;
        stored = (await store.countRecords()).instances;
        const step = await measure(engine, store, options.measure);
        steps.push({ storedInstances: stored, seedSeconds, ...step });
        stored += options.measure;
        process.stderr.write(`  growth ${options.store} at ${int(steps.at(-1)!.storedInstances)}: ${int(step.instancesPerSecond)} instances/s\n`);
      }
    } finally {
      await engine.close();
    }
    const flatness = steps.length > 1 ? steps.at(-1)!.instancesPerSecond / steps[0].instancesPerSecond : 1;
    return { store: options.store, measure: options.measure, concurrency: CONCURRENCY, steps, flatness };
  } finally {
    await store.close();
    await target.dispose();
  }
}

/** The canonical flow, as in `npm run bench`: start, two in-process jobs, then complete the task. */
async function measure(engine: Engine, store: Store, n: number): Promise<Omit<GrowthStep, 'storedInstances' | 'seedSeconds'>> {
  const starts: number[] = [];
  const completes: number[] = [];
  const inbox: number[] = [];
  // Warm-up on this size: statement caches and the pages the run touches.
  await runFlow(engine, Math.min(100, n), null, null);
  const t0 = performance.now();
  await runFlow(engine, n, starts, completes);
  const seconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < 50; i++) {
    const q0 = performance.now();
    await store.listTasks({ state: 'open', candidateGroups: ['sales'], limit: 50 });
    inbox.push(performance.now() - q0);
  }
  return { instancesPerSecond: n / seconds, startMs: percentiles(starts), completeTaskMs: percentiles(completes), inboxPageMs: percentiles(inbox) };
}

async function runFlow(engine: Engine, n: number, starts: number[] | null, completes: number[] | null): Promise<void> {
  const ids: string[] = [];
  await pool(n, CONCURRENCY, async (i) => {
    const t0 = performance.now();
    const s = await engine.startInstance({ processKey: PROCESS_KEY, variables: { orderNo: i } });
    starts?.push(performance.now() - t0);
    ids.push(s.id);
  });
  await engine.settle();
  await pool(ids.length, CONCURRENCY, async (i) => {
    const [task] = await engine.listTasks({ processInstanceId: ids[i], state: 'open' });
    if (!task) throw new Error(`instance ${ids[i]} has no open task after settling`);
    const t0 = performance.now();
    await engine.completeTask(task.id, { confirmed: true });
    completes?.push(performance.now() - t0);
  });
}

export function formatGrowth(r: GrowthResult): string {
  const rows = r.steps.map((s) => [
    int(s.storedInstances),
    s.seedSeconds.toFixed(0),
    int(s.instancesPerSecond),
    ms(s.startMs.p50),
    ms(s.startMs.p99),
    ms(s.completeTaskMs.p50),
    ms(s.completeTaskMs.p99),
    ms(s.inboxPageMs.p99),
  ]);
  return [
    `Growth on ${r.store === 'sqlite' ? 'the embedded store (SQLite)' : 'MongoDB'}: canonical flow (${int(r.measure)} instances, ${r.concurrency} callers) as stored instances grow (90% ended with history, 10% waiting)`,
    table(['stored instances', 'seed s', 'inst/s', 'start p50', 'start p99', 'task p50', 'task p99', 'inbox page p99'], rows),
    `  largest size / smallest: ${r.flatness.toFixed(2)}× the throughput (1.00 = flat); latencies in ms`,
  ].join('\n');
}
