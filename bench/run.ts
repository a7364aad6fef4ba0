// `npm run bench`: the canonical flow on Karvon's durable embedded store and on bpmn-engine in
// the same process, a readable table, and one JSON line at the end with every figure.
//
//   npm run bench -- --n 2000 --concurrency 32 --warmup 200 --sequential 200
//   npm run bench -- --peer-parse     also run bpmn-engine parsing the XML per instance
//   npm run bench -- --no-peer        Karvon only
//   npm run bench -- --no-breakdown   skip the replay that splits Karvon's CPU time by kind of work
//   npm run bench -- --ids time-ordered   Karvon with UUIDv7-style ids (see bench/ids.ts)
//   npm run bench -- --no-http        skip the HTTP scenario (server/bench/http.ts)
//   npm run bench -- --no-mongo       skip the MongoDB scenario (bench/mongo.ts; runs when MONGODB_URL is set)
//   npm run bench -- --mongo-n 300    instances per MongoDB run (1 node, then 3 nodes)
//
// Load benches (bench/load/main.ts, docs/reliability.md), each instead of the run above:
//   npm run bench -- load          HTTP ramp 1…256 clients to saturation, SQLite (+ MongoDB with MONGODB_URL)
//   npm run bench -- inbox         task-list latency with 100,000 open tasks, 1,000 users, 50 groups
//   npm run bench -- memory        memory per waiting instance, engine process and store
//   npm run bench -- growth        throughput as stored instances grow 10k → 100k (--sizes …,1000000)
//   npm run bench -- visibility    response → next task list and SSE frame
//   npm run bench -- all           every one of them
//
// Targets (issue 2) are printed, never asserted: a busy machine must not fail a build.

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runBreakdown, type BreakdownResult } from './breakdown.ts';
import { loadDiagrams } from './diagrams.ts';
import { runKarvon, type KarvonResult } from './karvon.ts';
import { runPeer, type PeerResult, type PeerSource } from './peer.ts';
import { printReport, TARGETS } from './report.ts';
import { runMongoBench, type MongoBenchResult } from './mongo.ts';
import { formatHttpBench, runHttpBench, type HttpBenchResult } from '../server/bench/http.ts';
import { LOAD_COMMANDS, runLoadBench, type LoadCommand } from './load/main.ts';

// A first argument naming a load bench runs that bench with the remaining arguments, and only it.
const subcommand = process.argv[2];
if (subcommand !== undefined && (LOAD_COMMANDS as readonly string[]).includes(subcommand)) {
  try {
    await runLoadBench(subcommand as LoadCommand, process.argv.slice(3));
    process.exit(0);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '200' },
    sequential: { type: 'string', default: '200' },
    'peer-batch': { type: 'string', default: '200' },
    'peer-parse': { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
    'no-breakdown': { type: 'boolean', default: false },
    'keep-db': { type: 'boolean', default: false },
    ids: { type: 'string', default: 'random' },
    'no-http': { type: 'boolean', default: false },
    'http-n': { type: 'string', default: '1000' },
    'http-concurrency': { type: 'string', default: '16' },
    'no-mongo': { type: 'boolean', default: false },
    'mongo-n': { type: 'string', default: '300' },
  },
});

function count(name: keyof typeof flags, min: number): number {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(flags[name])}`);
    process.exit(2);
  }
  return value;
}

const n = count('n', 1);
const concurrency = count('concurrency', 1);
const warmup = count('warmup', 0);
const sequential = count('sequential', 0);
const peerBatch = count('peer-batch', 1);

const ids = flags.ids;
if (ids !== 'random' && ids !== 'time-ordered') {
  console.error(`--ids must be random or time-ordered, got ${JSON.stringify(ids)}`);
  process.exit(2);
}

const diagrams = await loadDiagrams();
const loadBefore = loadavg()[0];
const began = performance.now();

const karvon: KarvonResult = await runKarvon({ xml: diagrams.karvon, n, concurrency, warmup, sequential, keepDb: flags['keep-db'], ids });

// Sized to be a few seconds: its per-kind split matters, not its total.
const breakdown: BreakdownResult | null = flags['no-breakdown'] ? null : await runBreakdown(diagrams.karvon, Math.min(n, 1000), Math.min(warmup, 200));

const peers: PeerResult[] = [];
if (!flags['no-peer']) {
  const sources: PeerSource[] = flags['peer-parse'] ? ['shared-context', 'parse-per-instance'] : ['shared-context'];
  for (const source of sources) {
    // The peer's own warm-up is shorter: it is slow, and 100 instances already settle its JIT.
    peers.push(await runPeer({ xml: diagrams.peer, n, concurrency, warmup: Math.min(warmup, 100), batch: peerBatch, source }));
  }
}

const environment = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  loadAvg1m: { before: loadBefore, after: loadavg()[0] },
  runSeconds: (performance.now() - began) / 1000,
  benchPragma: process.env.BENCH_PRAGMA ?? null,
};

printReport({ environment, shape: diagrams.shape, n, concurrency, warmup, karvon, breakdown, peers });

// The API scenario: concurrent clients start instances and complete their user tasks over HTTP.
const http: HttpBenchResult | null = flags['no-http']
  ? null
  : await runHttpBench({ n: count('http-n', 1), concurrency: count('http-concurrency', 1) });
if (http) console.log(`\n${formatHttpBench(http)}`);

// The MongoDB backend (MONGODB_URL): one engine here, then three engine processes on one database.
const mongo: MongoBenchResult | null = flags['no-mongo'] ? null : await runMongoBench({ xml: diagrams.karvon, n: count('mongo-n', 1), concurrency, embedded: karvon });

const reference = peers[0];
console.log(
  JSON.stringify({
    bench: 'karvon-canonical-flow',
    environment,
    config: { n, concurrency, warmup, sequential, peerBatch, ids },
    targets: TARGETS,
    karvon,
    breakdown,
    peers,
    http,
    mongo,
    ratio: reference
      ? {
          throughput: karvon.instancesPerSec / reference.instancesPerSec,
          cpuPerInstance: reference.cpuMsPerInstance / karvon.cpuMsPerInstance,
          against: reference.source,
        }
      : null,
  }),
);
