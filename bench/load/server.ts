// Where the load benches run: a fresh store (a temp SQLite file, or a database of its own on
// MONGODB_URL) and a Karvon server process on it, listening on loopback.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { MongoClient } from 'mongodb';
import { openStore } from '../../engine/store/open.ts';
import type { Store } from '../../engine/store/port.ts';

export type StoreKind = 'sqlite' | 'mongodb';

export const ADMIN_PASSWORD = 'bench-admin-password';
export const PASSWORD = 'bench-password';

export interface StoreTarget {
  kind: StoreKind;
  dataDir: string;
  mongoUrl: string | null;
  mongoDb: string | null;
  /** Opens the target's store in this process (for seeding and counting). */
  open(): Promise<Store>;
  /** Removes the file or drops the database. */
  dispose(): Promise<void>;
}

export function mongoUrl(): string | null {
  return process.env.MONGODB_URL?.trim() || null;
}

export async function newTarget(kind: StoreKind): Promise<StoreTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'karvon-load-'));
  const url = kind === 'mongodb' ? mongoUrl() : null;
  if (kind === 'mongodb' && !url) throw new Error('MONGODB_URL is not set');
  const db = url ? `karvon_load_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}` : null;
  return {
    kind,
    dataDir,
    mongoUrl: url,
    mongoDb: db,
    open: () => openStore({ dataDir, mongoUrl: url, mongoDbName: db }),
    async dispose() {
      await rm(dataDir, { recursive: true, force: true });
      if (url && db) {
        const client = new MongoClient(url);
        try {
          await client.connect();
          await client.db(db).dropDatabase();
        } finally {
          await client.close();
        }
      }
    },
  };
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident and heap memory of the server process after a full GC. */
  memory(): Promise<{ rss: number; heapUsed: number }>;
  close(): Promise<void>;
}

const CHILD = join(import.meta.dirname, 'child-server.ts');

export async function launchServer(target: StoreTarget, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      PORT: '0',
      KARVON_HOST: '127.0.0.1',
      KARVON_DEMO: '0',
      KARVON_DATA_DIR: target.dataDir,
      KARVON_ADMIN_PASSWORD: ADMIN_PASSWORD,
      KARVON_INBOX_DIR: join(target.dataDir, 'no-inbox'),
      KARVON_DESIGNER_DIR: join(target.dataDir, 'no-designer'),
      LOG_LEVEL: 'silent',
      MONGODB_URL: target.mongoUrl ?? '',
      MONGODB_DB: target.mongoDb ?? '',
      ...env,
    },
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await nextLine(lines, child);
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    pid: child.pid!,
    async memory() {
      child.stdin!.write('memory\n');
      return JSON.parse(await nextLine(lines, child)) as { rss: number; heapUsed: number };
    },
    close: () => stopChild(child),
  };
}

function nextLine(lines: Interface, child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench server exited with ${code} before answering`));
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      resolve(line);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
