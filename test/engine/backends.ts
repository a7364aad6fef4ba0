// Runs one engine suite against every store backend: the embedded SQLite store always, MongoDB
// when MONGODB_URL is set (CI: FerretDB via ../shared/bin/mongo-test-server). Each test gets a
// fresh store (a temp file, or a database of its own that is dropped afterwards), so suites stay
// independent of each other and of run order. Without MONGODB_URL the MongoDB variants are
// skipped with one line per run, unless KARVON_REQUIRE_MONGO=1 turns the skip into a failure.

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Store } from '../../engine/store/port.ts';

export type BackendName = 'sqlite' | 'mongodb';

export interface Backend {
  readonly name: BackendName;
  /** A new, empty store for the running test; the helper removes it after the test's own afterEach. */
  open(): Promise<Store>;
  /**
   * Opens the store of the running test again (the same file or database), as a restarted node
   * or a second node would. Only valid after open() in the same test.
   */
  reopen(): Promise<Store>;
}

const mongoUrl = (): string => process.env.MONGODB_URL?.trim() || '';
const mongoRequired = (): boolean => process.env.KARVON_REQUIRE_MONGO === '1';
let skipReported = false;

/** A database name unique to one test; short because MongoDB limits names to 64 bytes. */
export function freshDatabaseName(prefix = 'karvon_e'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  describe(`${name} [sqlite]`, () => {
    let dir: string | null = null;
    const backend: Backend = {
      name: 'sqlite',
      async open() {
        dir = join(tmpdir(), `karvon-backend-${randomUUID()}`);
        return this.reopen();
      },
      async reopen() {
        if (!dir) throw new Error('reopen() before open()');
        const { openSqliteStore } = await import('../../engine/store/sqlite.ts');
        return openSqliteStore({ file: join(dir, 'karvon.db') });
      },
    };
    fn(backend);
    // Registered after fn's hooks: mocha runs afterEach hooks of one level in registration order
    // and inner levels first, so the suite has closed its engine and store before this removes them.
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = null;
    });
  });

  describeMongo(name, fn);
}

/** The MongoDB half of forEachBackend, for suites about what only that backend does. */
export function describeMongo(name: string, fn: (backend: Backend) => void): void {
  describe(`${name} [mongodb]`, () => {
    let admin: MongoClient | null = null;
    let dbName: string | null = null;
    const url = mongoUrl();

    before(async function () {
      if (!url) {
        if (mongoRequired()) {
          throw new Error('KARVON_REQUIRE_MONGO=1 but MONGODB_URL is not set: the MongoDB engine suites cannot run');
        }
        if (!skipReported) {
          console.log('  MongoDB engine suites SKIPPED: MONGODB_URL is not set (see ../shared/README.md)');
          skipReported = true;
        }
        this.skip();
      }
      admin = new MongoClient(url);
      await admin.connect();
    });

    after(async () => {
      await admin?.close();
      admin = null;
    });

    const backend: Backend = {
      name: 'mongodb',
      async open() {
        dbName = freshDatabaseName();
        return this.reopen();
      },
      async reopen() {
        if (!dbName) throw new Error('reopen() before open()');
        const { openMongoStore } = await import('../../engine/store/mongo.ts');
        // The background sweep stays off: tests that need recovery ask for it, and a sweep
        // running while afterEach drops the database would only log noise.
        return openMongoStore({ url, dbName, recoverEveryMs: 0 });
      },
    };

    fn(backend);
    // After fn's hooks, for the same reason as above.
    afterEach(async () => {
      if (dbName && admin) await admin.db(dbName).dropDatabase();
      dbName = null;
    });
  });
}
