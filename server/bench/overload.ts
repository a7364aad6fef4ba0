// Overload: many more concurrent clients than KARVON_MAX_IN_FLIGHT start instances back to back,
// once with the bound and once without. With it, the excess is refused at once (429) and the
// admitted requests stay fast; without it, every request waits in the same queue.
//
//   npx tsx server/bench/overload.ts --clients 400 --requests 5 --max-in-flight 32 --max-lag 200
//
// The server runs in a child process; clients and server still share the machine's CPUs, and
// clients wait Retry-After after a 429 as they should. The figures are indicative only.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startServer } from '../bootstrap.ts';
import { defaultConfig } from '../config.ts';

export interface OverloadBenchResult {
  maxInFlight: number;
  maxEventLoopLagMs: number;
  clients: number;
  admitted: number;
  refused: number;
  other: Record<string, number>;
  admittedMs: { p50: number; p99: number };
  refusedMs: { p50: number; p99: number };
  seconds: number;
}

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="overload-defs" targetNamespace="http://karvon.bench">
  <bpmn:process id="overload" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:userTask id="approve"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
  </bpmn:process>
</bpmn:definitions>`;

export interface OverloadBenchOptions {
  clients: number;
  requests: number;
  maxInFlight: number;
  maxEventLoopLagMs: number;
}

const SERVE = '--serve';

/** The server under test runs in a child process, so that the clients' own work is not its load. */
async function serverInChild(options: OverloadBenchOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [SERVE, JSON.stringify({ maxInFlight: options.maxInFlight, maxEventLoopLagMs: options.maxEventLoopLagMs })], {
    execArgv: ['--import', 'tsx'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

if (process.argv[2] === SERVE) {
  const bounds = JSON.parse(process.argv[3]!) as { maxInFlight: number; maxEventLoopLagMs: number };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'karvon-overload-bench-'));
  const running = await startServer(
    defaultConfig({ port: 0, host: '127.0.0.1', dataDir: dir, adminPassword: 'bench-password', logLevel: 'silent', ...bounds }),
    { logger: pino({ level: 'silent' }) },
  );
  process.send!({ url: running.url });
  process.once('message', async () => {
    await running.close();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

export async function runOverloadBench(options: OverloadBenchOptions): Promise<OverloadBenchResult> {
  const server = await serverInChild(options);
  try {
    const post = (urlPath: string, body: unknown, token?: string) =>
      fetch(server.url + urlPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const token = ((await (await post('/api/auth/login', { username: 'admin', password: 'bench-password' })).json()) as { token: string }).token;
    const deployed = await post('/api/deployments', { resources: [{ name: 'o.bpmn', content: XML }] }, token);
    if (deployed.status !== 201) throw new Error(`deploy: ${deployed.status} ${await deployed.text()}`);

    // Open every client's connection first, so that TCP set-up is not what gets measured.
    await Promise.all(Array.from({ length: options.clients }, () => fetch(`${server.url}/health`).then((r) => r.arrayBuffer())));
    const admitted: number[] = [];
    const refused: number[] = [];
    const other: Record<string, number> = {};
    const began = performance.now();
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        for (let i = 0; i < options.requests; i++) {
          const t0 = performance.now();
          let res: Response;
          try {
            res = await post('/api/process-instances', { processKey: 'overload', variables: { i } }, token);
            await res.arrayBuffer();
          } catch (err) {
            const code = String((err as { cause?: { code?: unknown } }).cause?.code ?? (err as Error).name);
            other[code] = (other[code] ?? 0) + 1;
            continue;
          }
          const ms = performance.now() - t0;
          if (res.status === 201) admitted.push(ms);
          else if (res.status === 429) {
            refused.push(ms);
            // A well-behaved client waits as told; that is what takes load off the server.
            await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? '1') * 1000));
          } else other[res.status] = (other[res.status] ?? 0) + 1;
        }
      }),
    );
    return {
      maxInFlight: options.maxInFlight,
      maxEventLoopLagMs: options.maxEventLoopLagMs,
      clients: options.clients,
      admitted: admitted.length,
      refused: refused.length,
      other,
      admittedMs: percentiles(admitted),
      refusedMs: percentiles(refused),
      seconds: Math.round((performance.now() - began) / 10) / 100,
    };
  } finally {
    await server.stop();
  }
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99) };
}

if (process.argv[2] !== SERVE && import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '400' },
      requests: { type: 'string', default: '5' },
      'max-in-flight': { type: 'string', default: '32' },
      'max-lag': { type: 'string', default: '200' },
    },
  });
  const base = { clients: Number(values.clients), requests: Number(values.requests) };
  for (const bounds of [
    { maxInFlight: 0, maxEventLoopLagMs: 0 },
    { maxInFlight: Number(values['max-in-flight']), maxEventLoopLagMs: 0 },
    { maxInFlight: Number(values['max-in-flight']), maxEventLoopLagMs: Number(values['max-lag']) },
  ]) {
    console.log(JSON.stringify(await runOverloadBench({ ...base, ...bounds })));
  }
}
