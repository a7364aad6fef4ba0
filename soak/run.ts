// One soak run: the real server as a child process on a fresh store, ship-goods driven at a steady
// rate through the HTTP API, the server SIGKILLed at seeded random moments and started again, and
// optionally an ERP that fails in every way the fault proxy knows. Then the drain, and the audit.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PASSWORD } from '../server/seed.ts';
import { OdooFake } from '../test/adapters/external/fakes/odoo.ts';
import { Api, ServerBusy, ServerUnavailable } from './api.ts';
import { audit, type AuditResult } from './check.ts';
import { BuiltInErp, OdooErp, type SoakErp } from './erp.ts';
import { FaultProxy, type FaultMode, type FaultProxyStats } from './fault-proxy.ts';
import type { SoakOptions } from './options.ts';
import { seededRandom } from './random.ts';
import { ServerProcess } from './server-process.ts';
import { PLENTY, SCARCE, Workload, type WorkloadCounters } from './workload.ts';

export interface FaultPhase {
  mode: FaultMode;
  atMs: number;
  forMs: number;
}

export interface SoakReport extends AuditResult {
  store: SoakOptions['store'];
  erp: SoakErp['kind'];
  seed: number;
  loadMs: number;
  drainMs: number;
  rate: number;
  kills: number;
  /** Time from SIGKILL to the restarted server listening. */
  restartMs: { mean: number; max: number };
  workload: WorkloadCounters;
  faults: { phases: FaultPhase[]; proxy: FaultProxyStats } | null;
}

const ADMIN_PASSWORD = 'soak-admin-password';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Kill moments in ms from the start of the load, seeded. */
export function killMoments(options: Pick<SoakOptions, 'durationMs' | 'killEveryMs' | 'kills'>, random: () => number): number[] {
  const d = options.durationMs;
  if (options.kills !== null) return Array.from({ length: options.kills }, (_, i) => Math.round((d * (i + 0.2 + 0.6 * random())) / options.kills!));
  const moments: number[] = [];
  for (let t = options.killEveryMs * (0.5 + random()); t < d; t += options.killEveryMs * (0.5 + random())) moments.push(Math.round(t));
  return moments;
}

/** The faults `--erp-faults` injects, spread over the load; the outage is the longest. */
export function faultPhases(options: Pick<SoakOptions, 'durationMs' | 'erpDownMs'>): FaultPhase[] {
  const d = options.durationMs;
  const phase = (mode: FaultMode, at: number, forMs: number): FaultPhase => ({ mode, atMs: Math.round(d * at), forMs: Math.round(forMs) });
  return [
    phase('error500', 0.1, Math.min(20_000, d * 0.08)),
    phase('hang', 0.25, Math.min(20_000, d * 0.08)),
    phase('malformed', 0.4, Math.min(10_000, d * 0.05)),
    phase('schema', 0.5, Math.min(10_000, d * 0.05)),
    phase('down', 0.6, Math.min(options.erpDownMs, d * 0.3)),
  ];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function runSoak(options: SoakOptions, say: (line: string) => void = () => {}): Promise<SoakReport> {
  const random = seededRandom(options.seed);
  const runId = `soak${options.seed}x${Date.now().toString(36)}`;
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'karvon-soak-'));
  const mongoDb = `karvon_${runId}`;
  let odoo: OdooFake | null = null;
  let proxy: FaultProxy | null = null;
  const env: Record<string, string> = {
    PORT: String(port),
    KARVON_HOST: '127.0.0.1',
    KARVON_DATA_DIR: dataDir,
    KARVON_DEMO: '1',
    KARVON_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // A stable node name: the restarted server takes back the job leases the killed one held.
    KARVON_NODE_ID: 'soak-node',
    KARVON_TEST_CLOCK: '0',
    LOG_LEVEL: 'warn',
    // Unset, whatever this process has: Vite (the browser tests build the inbox in-process) sets it
    // to production, which would turn demo mode off in the child.
    NODE_ENV: '',
    MONGODB_URL: options.store === 'mongodb' ? options.mongoUrl! : '',
    MONGODB_DB: options.store === 'mongodb' ? mongoDb : '',
    KARVON_CONNECTIONS: '',
  };
  if (options.erpFaults) {
    odoo = await new OdooFake().start();
    proxy = await new FaultProxy({ upstream: odoo.url, executeBeforeError: () => random() < 0.5 }).start();
    env.KARVON_CONNECTIONS = JSON.stringify({
      erp: { adapter: 'odoo', config: { url: proxy.url, protocol: 'json2', apiKey: odoo.apiKey, database: odoo.database }, limits: { timeoutMs: 3_000 } },
    });
  }
  const server = new ServerProcess(env);
  const api = new Api(`http://127.0.0.1:${port}`, { admin: ADMIN_PASSWORD, aziz: DEMO_PASSWORD, timur: DEMO_PASSWORD, anna: DEMO_PASSWORD });
  const erp: SoakErp = odoo ? new OdooErp(odoo) : new BuiltInErp(api.patient());
  const products = [PLENTY, SCARCE];
  let generation = 0;
  const workload = new Workload(api, random, runId, () => generation);
  const runAnomalies: string[] = [];
  const restarts: number[] = [];
  const phases = options.erpFaults ? faultPhases(options) : [];
  let stopped = false;

  try {
    say(`soak: ${options.store}, ERP ${erp.kind}${options.erpFaults ? ' behind the fault proxy' : ''}, ${options.rate}/s for ${options.durationMs / 1000} s, seed ${options.seed}`);
    if (odoo) await erp.seed(products);
    await server.start();
    generation++;
    if (!odoo) await erp.seed(products);

    const t0 = Date.now();
    const loadEnds = t0 + options.durationMs;
    let loadMs = 0;
    /** Runs one step; a dead server is expected, anything else is noted and the loop goes on. */
    const guard = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        if (error instanceof ServerBusy) workload.counters.requestsTurnedAway++;
        else if (error instanceof ServerUnavailable) workload.counters.requestsCutOff++;
        else if (runAnomalies.length < 50) runAnomalies.push(`${what}: ${(error as Error).message}`);
      }
    };

    // Starts keep to the rate even when the server is slow to answer: up to 8 at once.
    const starter = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (let n = 0; Date.now() < loadEnds; n++) {
        await sleep(t0 + (n * 1000) / options.rate - Date.now());
        if (Date.now() >= loadEnds) break;
        if (inFlight.size >= 8) await Promise.race(inFlight);
        const p: Promise<void> = guard('start', () => workload.startNext()).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.all(inFlight);
      loadMs = Date.now() - t0;
    })();
    const employees = (async () => {
      while (!stopped) {
        await guard('starts without an answer', () => workload.settleStarts());
        await guard('tasks', () => workload.workTasks());
        await sleep(200);
      }
    })();
    const operator = (async () => {
      while (!stopped) {
        await sleep(3_000);
        if (!proxy || proxy.current === 'healthy') await guard('incidents', () => workload.resolveIncidents());
      }
    })();
    const killer = (async () => {
      for (const at of killMoments(options, random)) {
        await sleep(t0 + at - Date.now());
        if (stopped) return;
        await server.kill();
        const killedAt = Date.now();
        say(`  ${((killedAt - t0) / 1000).toFixed(1)} s: SIGKILL #${restarts.length + 1}`);
        await server.start();
        generation++;
        restarts.push(Date.now() - killedAt);
      }
    })();
    const faults = (async () => {
      for (const p of phases) {
        await sleep(t0 + p.atMs - Date.now());
        if (stopped) return;
        say(`  ${((Date.now() - t0) / 1000).toFixed(1)} s: ERP ${p.mode} for ${(p.forMs / 1000).toFixed(0)} s`);
        await proxy!.setMode(p.mode);
        await sleep(p.forMs);
        if (stopped) return;
        await proxy!.setMode('healthy');
      }
    })();

    await Promise.all([starter, killer, faults]);
    say(`  load done after ${(loadMs / 1000).toFixed(1)} s (last restart after ${((Date.now() - t0) / 1000).toFixed(1)} s): ${workload.cases.length} cases; draining`);

    const drainStart = Date.now();
    for (;;) {
      let left = Number.POSITIVE_INFINITY;
      await guard('drain', async () => {
        left = await workload.unfinished();
      });
      if (left === 0 || Date.now() - drainStart > options.drainMs) break;
      await sleep(500);
    }
    const drainMs = Date.now() - drainStart;
    stopped = true;
    await Promise.all([employees, operator]);
    await guard('final lookups', () => workload.settleStarts(true));

    const result = await audit(api.patient(), erp, workload.cases, products);
    result.anomalies.unshift(...runAnomalies);
    return {
      ...result,
      store: options.store,
      erp: erp.kind,
      seed: options.seed,
      loadMs,
      drainMs,
      rate: options.rate,
      kills: restarts.length,
      restartMs: { mean: restarts.length ? Math.round(restarts.reduce((a, b) => a + b, 0) / restarts.length) : 0, max: restarts.length ? Math.max(...restarts) : 0 },
      workload: workload.counters,
      faults: proxy ? { phases, proxy: { ...proxy.stats } } : null,
    };
  } finally {
    stopped = true; // after a failure too: the employee and operator loops end
    await server.stop().catch(() => server.kill());
    await proxy?.close();
    await odoo?.close();
    await rm(dataDir, { recursive: true, force: true });
    if (options.store === 'mongodb') await dropDatabase(options.mongoUrl!, mongoDb).catch(() => undefined);
  }
}

async function dropDatabase(url: string, name: string): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/** The summary `npm run soak` prints. */
export function formatReport(r: SoakReport): string {
  const waiting = Object.entries(r.waiting).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const lines = [
    `store ${r.store}, ERP ${r.erp}, seed ${r.seed}: ${(r.loadMs / 1000).toFixed(0)} s of load at ${r.rate}/s, drained in ${(r.drainMs / 1000).toFixed(1)} s`,
    `cases               ${Object.entries(r.kinds).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `instances started   ${r.instances} (start requests ${r.workload.startsSent}, unanswered ${r.workload.startsUnanswered}, never committed ${r.startsLost})`,
    `completed           ${r.completed.shipped + r.completed.canceled} (shipped ${r.completed.shipped}, canceled for stock ${r.completed.canceled})`,
    `waiting             ${waiting}`,
    `shipments           ${r.shipments}`,
    `tasks completed     ${r.workload.tasksCompleted} (+${r.workload.tasksAlreadyDone} answered 409: done before a kill cut the answer)`,
    `kills survived      ${r.kills} (restart ${r.restartMs.mean} ms mean, ${r.restartMs.max} ms max); requests cut off ${r.workload.requestsCutOff}, turned away as overloaded (429) ${r.workload.requestsTurnedAway}`,
  ];
  if (r.faults) {
    const p = r.faults.proxy;
    lines.push(`ERP faults          ${r.faults.phases.map((f) => `${f.mode} ${(f.forMs / 1000).toFixed(0)} s`).join(', ')}`);
    lines.push(`                    500s ${p.error500}, hung ${p.hung}, broken JSON ${p.malformed}, spoiled ${p.schema}, forwarded ${p.forwarded}; incidents resolved ${r.workload.incidentsResolved} in ${r.workload.instancesWithIncidents} instances`);
  }
  lines.push(`anomalies           ${r.anomalies.length}`);
  for (const a of r.anomalies.slice(0, 30)) lines.push(`  - ${a}`);
  return lines.join('\n');
}
