// HTTP ramp: closed-loop clients start an instance, list its task and complete it, at
// concurrency 1, 2, 4, … until the top step or until latency explodes. Each step runs for a
// fixed time against a server in its own process; throughput counts requests that answered.

import { HttpClient } from './http-client.ts';
import { APPROVAL, APPROVAL_KEY } from './diagrams.ts';
import { ADMIN_PASSWORD, launchServer, newTarget, PASSWORD, type StoreKind } from './server.ts';
import { int, ms, percentiles, table, type Percentiles } from './stats.ts';

export interface RampOptions {
  store: StoreKind;
  /** Highest concurrency; steps double from 1. */
  maxConcurrency: number;
  stepSeconds: number;
  /** A step whose p99 exceeds this ends the ramp: latency has exploded. */
  maxP99Ms: number;
}

export interface RampStep {
  concurrency: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  instancesPerSecond: number;
  latency: Percentiles;
}

export interface RampResult {
  store: StoreKind;
  stepSeconds: number;
  steps: RampStep[];
  /** Lowest concurrency reaching 95% of the best throughput: beyond it, only latency grows. */
  saturation: { concurrency: number; requestsPerSecond: number; reason: string };
}

export async function runRamp(options: RampOptions): Promise<RampResult> {
  const target = await newTarget(options.store);
  const server = await launchServer(target);
  const http = new HttpClient(server.url);
  try {
    const admin = await http.login('admin', ADMIN_PASSWORD);
    await http.ok('POST', '/api/users', admin, { username: 'loader', password: PASSWORD, roles: ['employee'], groups: ['sales'] });
    await http.ok('POST', '/api/deployments', admin, { resources: [{ name: 'approval.bpmn', content: APPROVAL }] });
    const token = await http.login('loader', PASSWORD);

    const cycle = async (samples: number[] | null): Promise<number> => {
      let errors = 0;
      const timed = async <T>(fn: () => Promise<{ status: number; body: T }>): Promise<T | null> => {
        const t0 = performance.now();
        const reply = await fn();
        samples?.push(performance.now() - t0);
        if (reply.status >= 300) {
          errors++;
          return null;
        }
        return reply.body;
      };
      const started = await timed(() => http.call<{ id: string }>('POST', '/api/process-instances', token, { processKey: APPROVAL_KEY }));
      if (!started) return errors;
      const tasks = await timed(() => http.call<Array<{ id: string }>>('GET', `/api/tasks?processInstanceId=${started.id}`, token));
      if (!tasks?.[0]) return errors + 1;
      await timed(() => http.call('POST', `/api/tasks/${tasks[0].id}/complete`, token, {}));
      return errors;
    };

    // Warm-up: JIT, statement caches, the model cache.
    await closedLoop(4, 1, () => cycle(null));

    const steps: RampStep[] = [];
    for (let c = 1; c <= options.maxConcurrency; c *= 2) {
      const samples: number[] = [];
      const { seconds, errors, cycles } = await closedLoop(c, options.stepSeconds, () => cycle(samples));
      const step: RampStep = {
        concurrency: c,
        requests: samples.length,
        errors,
        requestsPerSecond: samples.length / seconds,
        instancesPerSecond: cycles / seconds,
        latency: percentiles(samples),
      };
      steps.push(step);
      process.stderr.write(`  ramp ${options.store} c=${c}: ${int(step.requestsPerSecond)} req/s, p99 ${ms(step.latency.p99)} ms\n`);
      if (step.latency.p99 > options.maxP99Ms) break;
    }
    return { store: options.store, stepSeconds: options.stepSeconds, steps, saturation: saturationOf(steps, options.maxP99Ms) };
  } finally {
    http.close();
    await server.close();
    await target.dispose();
  }
}

/** `clients` callers repeating `cycle` until `seconds` have passed; returns what they did. */
async function closedLoop(clients: number, seconds: number, cycle: () => Promise<number>): Promise<{ seconds: number; errors: number; cycles: number }> {
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let errors = 0;
  let cycles = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        errors += await cycle();
        cycles++;
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, errors, cycles };
}

function saturationOf(steps: RampStep[], maxP99Ms: number): RampResult['saturation'] {
  const best = Math.max(...steps.map((s) => s.requestsPerSecond));
  const knee = steps.find((s) => s.requestsPerSecond >= 0.95 * best)!;
  const last = steps.at(-1)!;
  const reason =
    last.latency.p99 > maxP99Ms
      ? `p99 passed ${maxP99Ms} ms at ${last.concurrency} clients`
      : `throughput within 5% of its best (${int(best)} req/s) from ${knee.concurrency} clients on; more clients only add latency`;
  return { concurrency: knee.concurrency, requestsPerSecond: knee.requestsPerSecond, reason };
}

export function formatRamp(r: RampResult): string {
  const rows = r.steps.map((s) => [
    String(s.concurrency),
    int(s.requestsPerSecond),
    int(s.instancesPerSecond),
    ms(s.latency.p50),
    ms(s.latency.p99),
    ms(s.latency.p999),
    ms(s.latency.max),
    String(s.errors),
  ]);
  return [
    `HTTP ramp on ${r.store === 'sqlite' ? 'the embedded store (SQLite)' : 'MongoDB'}: start + list + complete per cycle, ${r.stepSeconds} s per step, server in its own process`,
    table(['clients', 'req/s', 'inst/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'], rows),
    `  saturation: ${r.saturation.concurrency} clients, ${int(r.saturation.requestsPerSecond)} req/s (${r.saturation.reason})`,
  ].join('\n');
}
