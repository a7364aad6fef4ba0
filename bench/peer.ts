// The peer: the same flow on bpmn-engine 25, in memory, one Engine per instance (its model: an
// engine executes one definition run). Service tasks call functions that answer at once, the
// gateway asks a function too, and the user task is signalled. Everything is set up in the
// peer's favour, so the ratio printed against it is a floor:
//  - the diagram is parsed once and its serialized context shared by every instance
//    (`sourceContext`), instead of parsing XML per instance as the README's examples do;
//  - its debug logger, which checks the terminal on every logger created, is replaced by a silent one;
//  - nothing is persisted (keeping `getState()` of each waiting engine would cost extra).

import { Engine as BpmnEngine, type BpmnEngineOptions } from 'bpmn-engine';
import { cpuMs, heapUsed, pool, Progress, type LatencySummary, Samples } from './measure.ts';

export type PeerSource = 'shared-context' | 'parse-per-instance';

export interface PeerOptions {
  xml: string;
  n: number;
  concurrency: number;
  warmup: number;
  /** Instances held waiting at once; bounds the heap the peer needs (about 1 MB each). */
  batch: number;
  source: PeerSource;
}

export interface PeerResult {
  source: PeerSource;
  n: number;
  concurrency: number;
  batch: number;
  wallMs: number;
  instancesPerSec: number;
  cpuMsPerInstance: number;
  /** Until waiting at the user task, per instance. */
  startToWaiting: LatencySummary;
  heapBytesPerWaiting: number;
  /** `engine.getState()` as JSON, what one would have to store to survive a restart (sample). */
  stateBytes: { avg: number; max: number; sampled: number };
  branches: { priority: number; standard: number };
}

interface SignalApi {
  signal(message?: unknown): void;
}

interface ServiceScope {
  id: string;
  environment: { variables: Record<string, unknown>; output: Record<string, unknown> };
}

type Callback = (err: Error | null, result?: unknown) => void;

const silentLogger = () => ({ debug() {}, error() {}, warn() {} });

export async function runPeer(options: PeerOptions): Promise<PeerResult> {
  const branches = { priority: 0, standard: 0 };
  const services = {
    fetch(scope: ServiceScope, callback: Callback) {
      const orderNo = Number(scope.environment.variables.orderNo ?? 0);
      const amount = orderNo % 2 === 0 ? 1500 : 500;
      // Zeebe merges a job's variables into the process; bpmn-engine's closest is its output.
      scope.environment.output.amount = amount;
      callback(null, { amount });
    },
    ship(scope: ServiceScope, callback: Callback) {
      if (scope.id === 'shipPriority') branches.priority++;
      else branches.standard++;
      scope.environment.output.shipped = true;
      callback(null, { shipped: true });
    },
    isPriority(context: { environment: ServiceScope['environment'] }) {
      return Number(context.environment.output.amount) > 1000;
    },
  };

  let sourceContext: BpmnEngineOptions['sourceContext'] = undefined;
  if (options.source === 'shared-context') {
    const loader = new BpmnEngine({ name: 'bench-loader', source: options.xml, Logger: silentLogger });
    const [definition] = await loader.getDefinitions();
    sourceContext = (definition as unknown as { context: { definitionContext: BpmnEngineOptions['sourceContext'] } }).context.definitionContext;
  }

  const progress = new Progress();
  let waitingCount = 0;
  let endedCount = 0;
  const startToWaiting = new Samples();

  interface Running {
    engine: BpmnEngine;
    task: SignalApi | null;
  }

  const startOne = async (orderNo: number, record: boolean): Promise<Running> => {
    const t0 = performance.now();
    const running: Running = { engine: null as unknown as BpmnEngine, task: null };
    const listener = {
      emit(event: string, api: SignalApi) {
        if (event !== 'wait') return;
        running.task = api;
        if (record) startToWaiting.add(performance.now() - t0);
        waitingCount++;
        progress.poke();
      },
    };
    const engine = new BpmnEngine({
      name: `bench-${orderNo}`,
      ...(sourceContext ? { sourceContext } : { source: options.xml }),
      services,
      listener,
      Logger: silentLogger,
      variables: { orderNo },
    });
    engine.once('end', () => {
      endedCount++;
      progress.poke();
    });
    engine.once('error', (err: Error) => progress.fail(err));
    running.engine = engine;
    await engine.execute();
    return running;
  };

  const cycle = async (count: number, offset: number, record: boolean): Promise<Running[]> => {
    const started: Running[] = new Array(count);
    const w0 = waitingCount;
    await pool(count, options.concurrency, async (i) => {
      started[i] = await startOne(offset + i, record);
    });
    await progress.until(() => waitingCount - w0 >= count, () => `bpmn-engine: ${waitingCount - w0}/${count} instances waiting`);
    return started;
  };

  const finish = async (running: Running[]): Promise<void> => {
    const e0 = endedCount;
    await pool(running.length, options.concurrency, async (i) => {
      running[i].task!.signal({ confirmed: true });
    });
    await progress.until(() => endedCount - e0 >= running.length, () => `bpmn-engine: ${endedCount - e0}/${running.length} instances ended`);
  };

  if (options.warmup > 0) await finish(await cycle(options.warmup, 0, false));
  branches.priority = 0;
  branches.standard = 0;

  let wallMs = 0;
  let cpu = 0;
  let heapPerWaiting = 0;
  const stateSizes: number[] = [];
  let offset = options.warmup;
  for (let done = 0; done < options.n; ) {
    const count = Math.min(options.batch, options.n - done);
    const heapBefore = done === 0 ? heapUsed() : 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const running = await cycle(count, offset, true);
    wallMs += performance.now() - t0;
    cpu += cpuMs(cpu0);
    if (done === 0) {
      // Readings on the first batch while it waits (not timed).
      heapPerWaiting = (heapUsed() - heapBefore) / count;
      for (const r of running.slice(0, 50)) stateSizes.push(Buffer.byteLength(JSON.stringify(await r.engine.getState())));
    }
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    await finish(running);
    wallMs += performance.now() - t1;
    cpu += cpuMs(cpu1);
    done += count;
    offset += count;
  }

  return {
    source: options.source,
    n: options.n,
    concurrency: options.concurrency,
    batch: options.batch,
    wallMs,
    instancesPerSec: (options.n / wallMs) * 1000,
    cpuMsPerInstance: cpu / options.n,
    startToWaiting: startToWaiting.summary(),
    heapBytesPerWaiting: heapPerWaiting,
    stateBytes: {
      avg: stateSizes.reduce((a, b) => a + b, 0) / Math.max(1, stateSizes.length),
      max: Math.max(0, ...stateSizes),
      sampled: stateSizes.length,
    },
    branches,
  };
}
