// Server-sent events: one engine listener fans task events out to the connected users who may
// see each task. Clients learn that something changed and re-read; nothing here is durable, so
// a reconnecting client simply refreshes what it shows. With a change relay, events of other
// nodes sharing the database arrive through the store's change feed and go out the same way.

import type { ServerResponse } from 'node:http';
import type { TaskRecord } from '../../engine/types.ts';
import { canSeeTask, overseesAll } from '../access.ts';
import type { EngineFacade } from '../engine-facade.ts';
import type { AuthUser } from '../http/route.ts';
import { ChangeRelay, type ChangeEvent, type ChangeRelayOptions } from './change-relay.ts';

interface Client {
  user: AuthUser;
  res: ServerResponse;
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private seq = 0;
  /** Events are published in the order the engine emitted them, even though each needs a read. */
  private chain: Promise<void> = Promise.resolve();
  private readonly relay: ChangeRelay | null;

  constructor(
    private readonly engine: EngineFacade,
    private readonly onError: (err: unknown) => void,
    heartbeatMs = 25_000,
    /** Share events with the other nodes of the database; null keeps them on this node. */
    relay: ChangeRelayOptions | null = null,
  ) {
    this.relay = relay ? new ChangeRelay(engine.store, relay, (event) => this.enqueue(event), onError) : null;
    this.unsubscribe = engine.on((event) => {
      if (event.type === 'command') return;
      const change: ChangeEvent = {
        type: event.type,
        instanceId: event.instanceId,
        taskId: 'taskId' in event ? event.taskId : null,
        incidentId: 'incidentId' in event ? event.incidentId : null,
      };
      // Local clients hear it now; other nodes through the feed, which skips this node's entries.
      this.relay?.record(change);
      this.enqueue(change);
    });
    this.relay?.start();
    // Proxies drop idle connections; a comment line every so often keeps the stream open.
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.res.write(': keep-alive\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  subscribe(user: AuthUser, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      // nginx buffers responses unless told otherwise.
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    res.write(frame(++this.seq, 'ready', { type: 'ready', username: user.username }));
    const client: Client = { user, res };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
  }

  /** Settles once every event received so far has been written; tests wait on it. */
  flushed(): Promise<void> {
    return this.chain;
  }

  /** Settles once this node's events are in the change feed and no poll is running. */
  async idle(): Promise<void> {
    await this.relay?.idle();
  }

  private enqueue(event: ChangeEvent): void {
    if (this.clients.size === 0) return;
    this.chain = this.chain.then(() => this.publish(event)).catch(this.onError);
  }

  private async publish(event: ChangeEvent): Promise<void> {
    let task: TaskRecord | null = null;
    if (event.taskId !== null) {
      task = await this.engine.store.getTask(event.taskId);
      if (!task) return;
    }
    const data = {
      type: event.type,
      instanceId: event.instanceId,
      processInstanceId: event.instanceId,
      ...(event.taskId !== null ? { taskId: event.taskId, task } : {}),
      ...(event.incidentId !== null ? { incidentId: event.incidentId } : {}),
    };
    const text = frame(++this.seq, event.type, data);
    for (const c of this.clients) {
      const allowed = task ? canSeeTask(c.user, task) : overseesAll(c.user);
      if (allowed) c.res.write(text);
    }
  }

  /** Ends every stream so that a graceful shutdown does not wait for clients to leave. */
  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.relay?.stop();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}

function frame(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
