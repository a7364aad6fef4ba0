// Group commit: instance writes that arrive within one turn of the event loop share a single
// SQLite transaction, each inside its own savepoint. Most of a commit's cost is the WAL append
// and the locking around it, so 30 engine commits in one transaction cost little more than one,
// while each still succeeds or fails on its own. A caller's promise settles only after the
// shared COMMIT, so "resolved" still means "durable".

import type { Database, Transaction } from 'better-sqlite3';

interface PendingWrite {
  /** Runs inside the shared transaction; must open its own savepoint (a nested transaction). */
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

export class GroupCommit {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private readonly batch: Transaction<(writes: PendingWrite[]) => void>;

  constructor(private readonly db: Database) {
    this.batch = db.transaction((writes: PendingWrite[]) => {
      for (const write of writes) this.runOne(write);
    });
  }

  /** Queues a write for the next group commit; `run` must be a better-sqlite3 transaction. */
  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate rather than a microtask: it waits for every promise continuation of
        // this turn, which is where the other instances' next commits come from.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued so far; called by the timer and before the store closes. */
  flush(): void {
    this.scheduled = false;
    const writes = this.pending;
    if (writes.length === 0) return;
    this.pending = [];
    try {
      this.batch.immediate(writes);
    } catch (error) {
      // The shared transaction did not commit, so no write in it happened.
      for (const write of writes) write.reject(error);
      return;
    }
    for (const write of writes) settle(write);
  }

  private runOne(write: PendingWrite): void {
    try {
      write.outcome = { ok: true, value: write.run() };
    } catch (error) {
      write.outcome = { ok: false, error };
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction; going on
      // would run the rest outside it, so fail the batch instead.
      if (!this.db.inTransaction) throw error;
    }
  }
}

function settle(write: PendingWrite): void {
  const outcome = write.outcome!;
  if (outcome.ok) write.resolve(outcome.value);
  else write.reject(outcome.error);
}
