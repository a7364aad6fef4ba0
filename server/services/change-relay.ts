// Carries live events between nodes that share one database. Each node appends what its engine
// reported to the store's change feed and polls the feed for what other nodes appended. The
// feed is read by time with an overlap and de-duplicated by id, because entries from several
// nodes have no common sequence: one committed a little late may carry an earlier time than
// one already read. Entries hold ids and the event type only; the hub re-reads the task.

import { randomUUID } from 'node:crypto';
import type { ChangeEntry, Store } from '../../engine/store/port.ts';

export interface ChangeRelayOptions {
  nodeId: string;
  /** How often the feed is read. */
  pollMs: number;
  /** How far behind its last read a poll looks again; bounds commit delay plus clock skew. */
  overlapMs: number;
  /** How long entries stay in the feed. */
  retainMs: number;
  /** Wall clock (Date.now); the feed is shared, so it is never the engine's test clock. */
  now?: () => number;
}

export type ChangeEvent = Pick<ChangeEntry, 'type' | 'instanceId' | 'taskId' | 'incidentId'>;

const PAGE = 500;
const TRIM_EVERY_MS = 60_000;

export class ChangeRelay {
  private readonly now: () => number;
  private readonly startedAt: number;
  private since: number;
  /** Ids read within the overlap window, with their time, so a re-read delivers nothing twice. */
  private readonly seen = new Map<string, number>();
  private pending: ChangeEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private polling: Promise<void> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | null = null;
  private trimTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: ChangeRelayOptions,
    private readonly deliver: (event: ChangeEvent) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.now = options.now ?? Date.now;
    // A node starting up shows what happens from now on; clients re-read on connect anyway.
    this.startedAt = this.now();
    this.since = this.startedAt;
  }

  start(): void {
    this.schedulePoll(this.options.pollMs);
    this.trimTimer = setInterval(() => {
      this.store.trimChanges(this.now() - this.options.retainMs).catch(this.onError);
    }, TRIM_EVERY_MS);
    this.trimTimer.unref();
  }

  /** Queues a local event for the feed; events of one tick go out in one append. */
  record(event: ChangeEvent): void {
    if (this.stopped) return;
    this.pending.push({ id: randomUUID(), node: this.options.nodeId, at: this.now(), ...event });
    if (this.pending.length === 1) {
      this.writing = this.writing.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.flush());
    }
  }

  /** Settles when what was recorded so far is written and the running poll is done. */
  async idle(): Promise<void> {
    await Promise.all([this.writing, this.polling]);
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.trimTimer) clearInterval(this.trimTimer);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.store.appendChanges(batch);
    } catch (err) {
      // Other nodes miss these events; their clients still see the change on their next read.
      this.onError(err);
    }
  }

  private schedulePoll(delayMs: number): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.poll()
        .catch((err: unknown) => {
          this.onError(err);
          return this.options.pollMs;
        })
        .then((next) => this.schedulePoll(next));
    }, delayMs);
    this.pollTimer.unref();
  }

  /** Reads one page and returns when to read again. */
  private async poll(): Promise<number> {
    const readAt = this.now();
    const entries = await this.store.readChanges(this.since, PAGE);
    for (const entry of entries) {
      if (this.seen.has(entry.id)) continue;
      this.seen.set(entry.id, entry.at);
      if (entry.node !== this.options.nodeId && !this.stopped) {
        this.deliver({ type: entry.type, instanceId: entry.instanceId, taskId: entry.taskId, incidentId: entry.incidentId });
      }
    }
    const full = entries.length === PAGE;
    // A full page: read on from its last time at once. Otherwise everything up to readAt has been
    // seen, except what commits late; the overlap window catches that.
    this.since = full ? entries.at(-1)!.at : Math.max(this.startedAt, readAt - this.options.overlapMs);
    for (const [id, at] of this.seen) if (at < this.since) this.seen.delete(id);
    return full ? 0 : this.options.pollMs;
  }
}
