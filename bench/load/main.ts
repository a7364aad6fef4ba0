// `npm run bench -- <load|inbox|memory|growth|visibility|all> [options]`: the load benches of
// docs/reliability.md. Each prints a table and, at the end, one JSON line with every figure.
// Nothing is asserted: the targets are printed next to what was measured.
//
//   load        HTTP ramp 1, 2, 4, … clients on SQLite, then on MongoDB when MONGODB_URL is set
//   inbox       GET /api/tasks latency with 100,000 open tasks, 1,000 users, 50 groups
//   memory      memory per waiting instance in the engine process and in the store
//   growth      canonical-flow throughput as stored instances grow 10k → 100k (→ 1M)
//   visibility  from a command's HTTP response to the task list and the live stream showing it
//   all         every one of the above
//
// Options (all optional):
//   --store sqlite|mongodb|both   which stores (default: sqlite, plus mongodb when MONGODB_URL is set)
//   --max-concurrency 256 --step-seconds 3 --max-p99 2000     (load)
//   --tasks 100000 --users 1000 --groups 50 --queries 400     (inbox)
//   --idle 10000                                              (memory)
//   --sizes 10000,100000[,1000000] --measure 1000             (growth)
//   --rounds 200                                              (visibility)

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatGrowth, runGrowth, type GrowthResult } from './growth.ts';
import { formatInbox, runInbox, type InboxResult } from './inbox.ts';
import { formatMemory, runMemory, type MemoryResult } from './memory.ts';
import { formatRamp, runRamp, type RampResult } from './ramp.ts';
import { mongoUrl, type StoreKind } from './server.ts';
import { formatVisibility, runVisibility, type VisibilityResult } from './visibility.ts';

export const LOAD_COMMANDS = ['load', 'inbox', 'memory', 'growth', 'visibility', 'all'] as const;
export type LoadCommand = (typeof LOAD_COMMANDS)[number];

export async function runLoadBench(command: LoadCommand, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      store: { type: 'string' },
      'max-concurrency': { type: 'string', default: '256' },
      'step-seconds': { type: 'string', default: '3' },
      'max-p99': { type: 'string', default: '2000' },
      tasks: { type: 'string', default: '100000' },
      users: { type: 'string', default: '1000' },
      groups: { type: 'string', default: '50' },
      queries: { type: 'string', default: '400' },
      idle: { type: 'string', default: '10000' },
      sizes: { type: 'string', default: '10000,100000' },
      measure: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '200' },
    },
  });
  const num = (name: keyof typeof values, min: number): number => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${JSON.stringify(values[name])}`);
    return v;
  };
  const stores = storesOf(values.store);
  const want = (c: LoadCommand) => command === c || command === 'all';
  const environment = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAvg1m: { before: loadavg()[0], after: 0 } };
  console.log(`Karvon load benches (${command}) on ${environment.cpus} × ${environment.cpuModel}, load average ${environment.loadAvg1m.before.toFixed(2)}`);
  console.log('Figures are indicative: timings depend on what else the machine is doing.\n');

  const out: { ramp: RampResult[]; inbox: InboxResult[]; memory: MemoryResult[]; growth: GrowthResult[]; visibility: VisibilityResult[] } = {
    ramp: [],
    inbox: [],
    memory: [],
    growth: [],
    visibility: [],
  };
  for (const store of stores) {
    if (want('load')) {
      const r = await runRamp({ store, maxConcurrency: num('max-concurrency', 1), stepSeconds: num('step-seconds', 1), maxP99Ms: num('max-p99', 1) });
      out.ramp.push(r);
      console.log(`${formatRamp(r)}\n`);
    }
    if (want('inbox')) {
      const r = await runInbox({ store, tasks: num('tasks', 1), users: num('users', 1), groups: num('groups', 1), queries: num('queries', 1) });
      out.inbox.push(r);
      console.log(`${formatInbox(r)}\n`);
    }
    if (want('memory')) {
      const r = await runMemory({ store, idle: num('idle', 1) });
      out.memory.push(r);
      console.log(`${formatMemory(r)}\n`);
    }
    if (want('growth')) {
      const sizes = String(values.sizes).split(',').map((s) => Number(s.trim()));
      if (sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--sizes must be whole numbers, got ${values.sizes}`);
      const r = await runGrowth({ store, sizes, measure: num('measure', 1) });
      out.growth.push(r);
      console.log(`${formatGrowth(r)}\n`);
    }
    if (want('visibility')) {
      const r = await runVisibility({ store, rounds: num('rounds', 1) });
      out.visibility.push(r);
      console.log(`${formatVisibility(r)}\n`);
    }
  }
  environment.loadAvg1m.after = loadavg()[0];
  console.log(JSON.stringify({ bench: `karvon-load-${command}`, environment, ...out }));
}

function storesOf(value: string | undefined): StoreKind[] {
  if (value === undefined) return mongoUrl() ? ['sqlite', 'mongodb'] : ['sqlite'];
  if (value === 'sqlite' || value === 'mongodb') {
    if (value === 'mongodb' && !mongoUrl()) throw new Error('--store mongodb needs MONGODB_URL');
    return [value];
  }
  if (value === 'both') {
    if (!mongoUrl()) throw new Error('--store both needs MONGODB_URL');
    return ['sqlite', 'mongodb'];
  }
  throw new Error(`--store must be sqlite, mongodb or both, got ${JSON.stringify(value)}`);
}
