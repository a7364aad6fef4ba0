// One Karvon engine process for the multi-node tests, run as `node --import tsx` by
// three-nodes.test.ts with an IPC channel. It shares one MongoDB database with its siblings and
// runs an in-process handler for `erp.book` that stands in for an ERP booking: every attempt is
// logged, and the booking itself is an insert keyed by the job's idempotency key, so a second
// attempt for one activation shows up as a duplicate instead of a second booking.
//
// Environment: MONGODB_URL, KARVON_TEST_DB, KARVON_NODE_ID, KARVON_JOB_LOCK_MS, KARVON_POLL_MS.
// Messages in: {op:'deploy', xml} | {op:'start', processKey, count, prefix} | {op:'close'}.
// Messages out: {op:'ready', timerDriver} | {op:'done', ref, ...} | {op:'error', ref, message}.

import { randomUUID } from 'node:crypto';
import { Engine } from '../../engine/engine.ts';
import { ConflictError } from '../../engine/errors.ts';
import { openMongoStore } from '../../engine/store/mongo.ts';
import type { InProcessJob, InProcessJobHandler, JobOutcome } from '../../engine/ports.ts';
import type { Doc } from '../../engine/store/port.ts';
import { ATTEMPTS, BOOKINGS } from './collections.ts';


interface Message {
  op: 'deploy' | 'start' | 'close';
  ref: number;
  xml?: string;
  processKey?: string;
  count?: number;
  prefix?: string;
}

const env = (name: string): string => {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// Runs only as a forked node: mocha given this folder loads the file as a spec too.
if (process.env.KARVON_NODE_ID && process.send) void main();

async function main(): Promise<void> {
  const nodeId = env('KARVON_NODE_ID');
  const store = await openMongoStore({
    url: env('MONGODB_URL'),
    dbName: env('KARVON_TEST_DB'),
    // A killed sibling may leave a commit half applied; the sweep finishes it.
    recoverEveryMs: 1000,
  });
  const bookings = store.collection<Doc>(BOOKINGS);
  const attempts = store.collection<Doc>(ATTEMPTS);

  const erp: InProcessJobHandler = {
    handles: (type) => type === 'erp.book',
    async run(job: InProcessJob): Promise<JobOutcome> {
      await attempts.insert({ id: randomUUID(), key: job.idempotencyKey, node: nodeId, instanceId: job.processInstanceId });
      try {
        await bookings.insert({ id: job.idempotencyKey, instanceId: job.processInstanceId, node: nodeId });
      } catch (error) {
        // The booking exists: an earlier attempt made it and did not get to report back. The ERP
        // answers idempotently, as a real one keyed by the idempotency key would.
        if (!(error instanceof ConflictError)) throw error;
      }
      return { kind: 'complete', variables: { booked: true } };
    },
  };

  const engine = await Engine.open({
    store,
    workerId: nodeId,
    handlers: [erp],
    pollMs: Number(process.env.KARVON_POLL_MS ?? 150),
    jobLockMs: Number(process.env.KARVON_JOB_LOCK_MS ?? 3000),
  });

  const send = (message: Record<string, unknown>): void => {
    process.send?.(message);
  };

  async function startMany(processKey: string, count: number, prefix: string): Promise<number> {
    // Bounded concurrency: a few hundred parallel starts only queue up in the driver's pool.
    let nextIndex = 0;
    let started = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < count) {
        const i = nextIndex++;
        await engine.startInstance({ processKey, businessKey: `${prefix}-${i}`, variables: { n: i } });
        started++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return started;
  }

  process.on('message', (raw) => {
    const message = raw as Message;
    void (async () => {
      try {
        if (message.op === 'deploy') {
          const result = await engine.deploy([{ name: 'multinode.bpmn', content: message.xml ?? '' }]);
          send({ op: 'done', ref: message.ref, created: result.created });
        } else if (message.op === 'start') {
          const started = await startMany(message.processKey ?? '', message.count ?? 0, message.prefix ?? nodeId);
          send({ op: 'done', ref: message.ref, started });
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


  send({ op: 'ready', timerDriver: engine.timerDriver });
}
