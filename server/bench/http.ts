// HTTP benchmark: concurrent clients start instances and complete their user tasks over the API,
// against a real server on the embedded store. Prints requests/s and p50/p99 per request kind.
//
//   npx tsx server/bench/http.ts --n 1000 --concurrency 16
//
// bench/run.ts can call runHttpBench() and print it beside the engine figures.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startServer } from '../bootstrap.ts';
import { defaultConfig } from '../config.ts';
import { APPROVAL, APPROVAL_KEY } from '../../bench/load/diagrams.ts';

export interface HttpBenchOptions {
  /** Instances to run to completion (each is three requests). */
  n: number;
  concurrency: number;
  warmup?: number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface HttpBenchResult {
  instances: number;
  concurrency: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  instancesPerSecond: number;
  latency: Record<'start' | 'listTasks' | 'complete' | 'all', LatencySummary>;
}

const PASSWORD = 'bench-password';

export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'karvon-http-bench-'));
  const running = await startServer(
    defaultConfig({ port: 0, host: '127.0.0.1', dataDir: dir, adminPassword: PASSWORD, logLevel: 'silent' }),
    { logger: pino({ level: 'silent' }) },
  );
  try {
    const call = async (method: string, urlPath: string, token: string | null, body?: unknown) => {
      const res = await fetch(running.url + urlPath, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as unknown) : null;
    };
    const login = async (username: string) =>
      ((await call('POST', '/api/auth/login', null, { username, password: PASSWORD })) as { token: string }).token;

    const admin = await login('admin');
    await call('POST', '/api/users', admin, { username: 'bench', password: PASSWORD, roles: ['employee'], groups: ['sales'] });
    await call('POST', '/api/deployments', admin, { resources: [{ name: 'bench.bpmn', content: APPROVAL }] });
    const token = await login('bench');

    const samples: Record<'start' | 'listTasks' | 'complete', number[]> = { start: [], listTasks: [], complete: [] };
    const timed = async <T>(kind: keyof typeof samples, record: boolean, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const value = await fn();
      if (record) samples[kind].push(performance.now() - t0);
      return value;
    };
    const one = async (record: boolean) => {
      const instance = (await timed('start', record, () =>
        call('POST', '/api/process-instances', token, { processKey: APPROVAL_KEY, variables: { amount: 100 } }),
      )) as { id: string };
      const tasks = (await timed('listTasks', record, () =>
        call('GET', `/api/tasks?processInstanceId=${instance.id}`, token),
      )) as { id: string }[];
      await timed('complete', record, () => call('POST', `/api/tasks/${tasks[0]!.id}/complete`, token, { variables: { ok: true } }));
    };
    const run = async (count: number, record: boolean) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next++;
          await one(record);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
    };

    await run(options.warmup ?? Math.min(100, options.n), false);
    const began = performance.now();
    await run(options.n, true);
    const seconds = (performance.now() - began) / 1000;
    const requests = options.n * 3;
    return {
      instances: options.n,
      concurrency: options.concurrency,
      requests,
      seconds,
      requestsPerSecond: requests / seconds,
      instancesPerSecond: options.n / seconds,
      latency: {
        start: summarize(samples.start),
        listTasks: summarize(samples.listTasks),
        complete: summarize(samples.complete),
        all: summarize([...samples.start, ...samples.listTasks, ...samples.complete]),
      },
    };
  } finally {
    await running.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { count: sorted.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) ?? 0) };
}

export function formatHttpBench(r: HttpBenchResult): string {
  const rows = (['start', 'listTasks', 'complete', 'all'] as const).map(
    (k) => `  ${k.padEnd(10)} p50 ${String(r.latency[k].p50Ms).padStart(7)} ms   p99 ${String(r.latency[k].p99Ms).padStart(7)} ms`,
  );
  return [
    `HTTP API: ${r.instances} instances × 3 requests, ${r.concurrency} concurrent clients, embedded store`,
    `  ${r.requestsPerSecond.toFixed(0)} requests/s, ${r.instancesPerSecond.toFixed(0)} instances/s (${r.seconds.toFixed(2)} s)`,
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '100' },
    },
  });
  const result = await runHttpBench({ n: Number(values.n), concurrency: Number(values.concurrency), warmup: Number(values.warmup) });
  console.log(formatHttpBench(result));
  console.log(JSON.stringify({ http: result }));
}
