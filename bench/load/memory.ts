// Memory per idle instance: N instances of the API scenario started and left waiting at their
// user task, then what that cost the engine process (heap and resident size after a full GC) and
// the store (bytes on disk for SQLite, data plus index size for MongoDB), per instance.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { Engine } from '../../engine/engine.ts';
import { collectGarbage, pool } from '../measure.ts';
import { APPROVAL, APPROVAL_KEY } from './diagrams.ts';
import { newTarget, type StoreKind, type StoreTarget } from './server.ts';
import { bytes, int, table } from './stats.ts';

export interface MemoryOptions {
  store: StoreKind;
  idle: number;
}

export interface MemoryResult {
  store: StoreKind;
  idle: number;
  heapBytesPerIdle: number;
  rssBytesPerIdle: number;
  storeBytesPerIdle: number | null;
  /** Size of one waiting instance's state record. */
  stateBytes: number;
  /** Process heap after a full GC with every instance waiting. */
  heapBytes: number;
}

export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const target = await newTarget(options.store);
  const store = await target.open();
  const engine = await Engine.open({ store, pollMs: 0 });
  try {
    await engine.deploy([{ name: 'approval.bpmn', content: APPROVAL }]);
    // A few first, so caches and compiled code are in the "before" reading, not per instance.
    await pool(200, 32, async () => void (await engine.startInstance({ processKey: APPROVAL_KEY })));
    const before = await readings(target);
    let last = '';
    await pool(options.idle, 32, async () => {
      last = (await engine.startInstance({ processKey: APPROVAL_KEY, variables: { amount: 1200, customer: 'C-1001' } })).id;
    });
    await engine.settle();
    const after = await readings(target);
    const state = await engine.getInstanceState(last);
    const per = (a: number, b: number) => (a - b) / options.idle;
    return {
      store: options.store,
      idle: options.idle,
      heapBytesPerIdle: per(after.heap, before.heap),
      rssBytesPerIdle: per(after.rss, before.rss),
      storeBytesPerIdle: after.store === null || before.store === null ? null : per(after.store, before.store),
      stateBytes: Buffer.byteLength(JSON.stringify(state)),
      heapBytes: after.heap,
    };
  } finally {
    await engine.close();
    await store.close();
    await target.dispose();
  }
}

async function readings(target: StoreTarget): Promise<{ heap: number; rss: number; store: number | null }> {
  collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss, store: await storeBytes(target) };
}

/** Bytes the store uses: SQLite pages, or MongoDB's data and index sizes. */
async function storeBytes(target: StoreTarget): Promise<number | null> {
  if (target.kind === 'sqlite') {
    const file = join(target.dataDir, 'karvon.db');
    const db = new Database(file, { readonly: true });
    try {
      // The logical size as this connection sees it, committed WAL frames included.
      const pages = db.pragma('page_count', { simple: true }) as number;
      const size = db.pragma('page_size', { simple: true }) as number;
      return pages * size;
    } finally {
      db.close();
    }
  }
  const client = new MongoClient(target.mongoUrl!);
  try {
    await client.connect();
    const stats = await client.db(target.mongoDb!).stats();
    const data = Number(stats.dataSize ?? NaN);
    const index = Number(stats.indexSize ?? 0);
    return Number.isFinite(data) ? data + index : null;
  } catch {
    return null;
  } finally {
    await client.close();
  }
}

export function formatMemory(r: MemoryResult): string {
  return [
    `Memory per idle instance on ${r.store === 'sqlite' ? 'the embedded store (SQLite)' : 'MongoDB'}: ${int(r.idle)} instances waiting at a user task`,
    table(
      ['where', 'per idle instance'],
      [
        ['engine process heap (after GC)', bytes(r.heapBytesPerIdle)],
        ['engine process resident size', bytes(r.rssBytesPerIdle)],
        ['store (state, task, history, indexes)', r.storeBytesPerIdle === null ? 'n/a' : bytes(r.storeBytesPerIdle)],
        ['one waiting state record', bytes(r.stateBytes)],
      ],
    ),
    '  The engine keeps no per-instance objects between commands: a waiting instance lives in the store.',
  ].join('\n');
}
