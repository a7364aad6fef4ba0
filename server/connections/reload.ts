// Keeps the connections this node runs equal to the ones stored through the API, without a
// restart and on every node that shares the store.
//
// Before each adapter job the handler asks `refresh(connection)`: for a stored connection that is
// one read of its document by id, compared with the write this node runs. That check, not the
// change feed, is what makes a change take effect: the feed is a best-effort, short-lived stream
// for live screens (an entry can be missed or trimmed, and it arrives a poll later), while the
// stored document is the truth and one primary-key read costs less than the adapter call it
// guards. Built-in and KARVON_CONNECTIONS connections cannot change at run time and cost nothing.
// A connection another node *creates* has no job here to trigger a read yet, so `syncAll` also
// runs every second (or every KARVON_FEED_POLL_MS, if longer) and whenever an admin lists them.

import type { AdapterRuntime } from '../../adapters/index.ts';
import type { DocCollection, Store } from '../../engine/store/port.ts';
import type { SecretBox } from './secret-box.ts';
import { specOf, stampOf, storedConnections, type StoredConnectionDoc } from './stored.ts';

export type ReloadLog = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;

export interface ConnectionReloaderOptions {
  store: Pick<Store, 'collection'>;
  adapters: Pick<AdapterRuntime, 'applyStoredConnection' | 'removeStoredConnection' | 'fileConnectionNames'>;
  box: () => Promise<SecretBox>;
  log: ReloadLog;
}

export class ConnectionReloader {
  private readonly docs: DocCollection<StoredConnectionDoc>;
  /** The stored write (stampOf) each bound connection was built from. */
  private readonly applied = new Map<string, string>();
  /** Writes that could not be bound (secrets sealed with another key, a config that no longer validates): logged once. */
  private readonly refused = new Map<string, string>();
  /** Rebinds one at a time, so two jobs that both see a change build it once, in order. */
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;

  constructor(private readonly options: ConnectionReloaderOptions) {
    this.docs = storedConnections(options.store);
  }

  get box(): () => Promise<SecretBox> {
    return this.options.box;
  }

  /** The write of `name` this node runs, or null when it runs none. */
  appliedStamp(name: string): string | null {
    return this.applied.get(name) ?? null;
  }

  /** Before a job: brings one connection up to date with its stored document. */
  async refresh(name: string): Promise<void> {
    if (this.options.adapters.fileConnectionNames.has(name)) return;
    const doc = await this.docs.get(name);
    if (doc === null ? this.applied.has(name) || this.refused.has(name) : !this.isKnown(doc)) await this.reconcile(name);
  }

  /** Brings every stored connection up to date: new ones bound, changed ones rebound, deleted ones removed. */
  syncAll(): Promise<void> {
    // Calls that overlap share one pass: the list is read once.
    return (this.syncing ??= this.syncPass().finally(() => (this.syncing = null)));
  }

  /** Re-reads `name` and binds what is stored now; serialised, so a stale read never wins over a newer one. */
  reconcile(name: string): Promise<void> {
    const run = this.queue.then(() => this.rebind(name));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Re-reads the stored connections every `everyMs` (unref'd: it never keeps the process alive). */
  start(everyMs: number): void {
    const tick = () => {
      this.timer = setTimeout(() => {
        this.syncAll()
          .catch((err: Error) => this.options.log('warn', 'could not re-read the stored connections', { error: err.message }))
          .finally(() => this.timer !== null && tick());
      }, everyMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.syncing?.catch(() => undefined);
    await this.queue;
  }

  private isKnown(doc: StoredConnectionDoc): boolean {
    const stamp = stampOf(doc);
    return this.applied.get(doc.id) === stamp || this.refused.get(doc.id) === stamp;
  }

  private async syncPass(): Promise<void> {
    const docs = await this.docs.find();
    const stored = new Set(docs.map((d) => d.id));
    const stale = docs.filter((d) => !this.options.adapters.fileConnectionNames.has(d.id) && !this.isKnown(d)).map((d) => d.id);
    const gone = [...this.applied.keys(), ...this.refused.keys()].filter((name) => !stored.has(name));
    for (const name of new Set([...stale, ...gone])) await this.reconcile(name);
  }

  private async rebind(name: string): Promise<void> {
    const { adapters, log } = this.options;
    if (adapters.fileConnectionNames.has(name)) {
      log('warn', `Connection "${name}" is both configured and stored through the API; the configuration's is used`, { connection: name });
      return;
    }
    const doc = await this.docs.get(name);
    if (doc === null) {
      this.refused.delete(name);
      if (!this.applied.delete(name)) return;
      adapters.removeStoredConnection(name, 'deleted through the API');
      log('info', `Connection "${name}" was deleted; its later jobs become incidents`, { connection: name });
      return;
    }
    if (this.isKnown(doc)) return;
    const stamp = stampOf(doc);
    try {
      adapters.applyStoredConnection(name, specOf(doc, doc.sealedSecrets === null ? null : await this.options.box()));
    } catch (error) {
      // The binding this node had keeps running: better the last configuration that worked than none.
      // Messages name paths and rules or the key, never values (connections.ts, secret-box.ts).
      this.refused.set(name, stamp);
      log('error', `Stored connection "${name}" is skipped: ${(error as Error).message}`, { connection: name, rev: doc.rev });
      return;
    }
    const first = !this.applied.has(name);
    this.applied.set(name, stamp);
    this.refused.delete(name);
    log('info', first ? `Connection "${name}" bound` : `Connection "${name}" changed; jobs from now on use the new configuration`, {
      connection: name,
      rev: doc.rev,
      updatedBy: doc.updatedBy,
    });
  }
}
