// One Karvon engine process for the three-node MongoDB bench (bench/mongo.ts), forked with
// `--import tsx` and driven through test/multinode/forked-node.ts, as the multi-node tests are. It
// shares one database with its siblings, completes `bench.*` jobs in process, and forwards the
// events the driver waits on (task created, instance ended, failed command) to the parent.
//
// Environment: MONGODB_URL, KARVON_BENCH_DB, KARVON_NODE_ID.
// Messages in: {op:'deploy', xml} | {op:'start', orderNo} | {op:'complete', taskId} | {op:'close'}.
// Messages out: {op:'ready'} | {op:'done', ref, id?} | {op:'error', ref, message}
//             | {op:'event', type, instanceId, taskId?}.

import { Engine } from '../engine/engine.ts';
import type { InProcessJob, InProcessJobHandler, JobOutcome } from '../engine/ports.ts';
import { openMongoStore } from '../engine/store/mongo.ts';
import { PROCESS_KEY } from './diagrams.ts';

/** Completes both job types of the canonical flow, as bench/karvon.ts's handler does. */
export class MongoBenchHandler implements InProcessJobHandler {
  handles(type: string): boolean {
    return type === 'bench.fetch' || type === 'bench.ship';
  }

  async run(job: InProcessJob): Promise<JobOutcome> {
    if (job.type === 'bench.fetch') {
      const orderNo = Number(job.variables.orderNo ?? 0);
      return { kind: 'complete', variables: { amount: orderNo % 2 === 0 ? 1500 : 500 } };
    }
    return { kind: 'complete', variables: { shipped: true } };
  }
}

interface Message {
  op: 'deploy' | 'start' | 'complete' | 'close';
  ref: number;
  xml?: string;
  orderNo?: number;
  taskId?: string;
}

const env = (name: string): string => {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// Runs only as a forked node; importing the handler from bench/mongo.ts must not start one.
if (process.env.KARVON_BENCH_NODE === '1' && process.send) void main();

async function main(): Promise<void> {
  const nodeId = env('KARVON_NODE_ID');
  const store = await openMongoStore({ url: env('MONGODB_URL'), dbName: env('KARVON_BENCH_DB') });
  const engine = await Engine.open({ store, workerId: nodeId, handlers: [new MongoBenchHandler()], pollMs: 250 });
  const send = (message: Record<string, unknown>): void => {
    process.send?.(message);
  };

  engine.on((e) => {
    if (e.type === 'task.created') send({ op: 'event', type: e.type, instanceId: e.instanceId, taskId: e.taskId });
    else if (e.type === 'instance.ended') send({ op: 'event', type: e.type, instanceId: e.instanceId });
    else if (e.type === 'command' && !e.ok) send({ op: 'event', type: 'command.failed', instanceId: '' });
  });

  process.on('message', (raw) => {
    const message = raw as Message;
    void (async () => {
      try {
        if (message.op === 'deploy') {
          await engine.deploy([{ name: 'canonical.bpmn', content: message.xml ?? '' }]);
          send({ op: 'done', ref: message.ref });
        } else if (message.op === 'start') {
          const s = await engine.startInstance({ processKey: PROCESS_KEY, variables: { orderNo: message.orderNo ?? 0 } });
          send({ op: 'done', ref: message.ref, id: s.id });
        } else if (message.op === 'complete') {
          await engine.completeTask(message.taskId ?? '', { confirmed: true });
          send({ op: 'done', ref: message.ref });
        } else if (message.op === 'close') {
          await engine.close();
          await store.close();
          send({ op: 'done', ref: message.ref });
          process.exit(0);
        }
      } catch (error) {
        send({ op: 'error', ref: message.ref, message: (error as Error).stack ?? String(error) });
      }
    })();
  });

  send({ op: 'ready' });
}
