// Messages and signals: correlation to waiting subscriptions, message and signal start events,
// and the buffer that keeps a message with a TTL for a subscription that opens later. Commands on
// instances go back through the engine (its per-instance queue and revision check).

import { ConflictError, NotFoundError } from '../errors.ts';
import type { Command } from '../step.ts';
import type { Clock, IdGenerator } from '../ports.ts';
import type { ProcessModel } from '../model/types.ts';
import type { DocCollection, Store } from '../store/port.ts';
import type { InstanceSummary, SubscriptionRecord, Variables } from '../types.ts';
import { signalSubscriptionName } from './transition.ts';
import { InstanceVariablesTooLarge } from './variable-size.ts';

export interface MessageInput {
  name: string;
  correlationKey?: string | null;
  variables?: Variables;
  ttlMs?: number;
  messageId?: string;
}

export interface MessageResult {
  correlated: string[];
  started: string[];
  buffered: boolean;
}

export interface MessagingHost {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  command(instanceId: string, command: Command): Promise<unknown>;
  startAt(start: { definitionId: string; elementId: string }, variables: Variables, businessKey: string | null): Promise<InstanceSummary>;
  /** The latest version of every deployed process. */
  latestModels(): Promise<ProcessModel[]>;
  warn(fields: Record<string, unknown>, message: string): void;
}

interface BufferedMessage {
  id: string;
  rev: number;
  name: string;
  correlationKey: string | null;
  variables: Variables;
  expiresAt: number;
  /** Still waiting for a subscriber; false once taken or when kept only to recognise its messageId. */
  pending: boolean;
  [field: string]: unknown;
}

interface StartEvent {
  processKey: string;
  definitionId: string;
  elementId: string;
  name: string;
  signal: boolean;
}

export class Messaging {
  private readonly messages: DocCollection<BufferedMessage>;
  private startIndex: Promise<StartEvent[]> | null = null;

  constructor(private readonly host: MessagingHost) {
    this.messages = host.store.collection<BufferedMessage>({ name: 'messages', indexes: ['name', 'pending', 'expiresAt'] });
  }

  /** A deployment changed the latest versions: their start events are read again when needed. */
  processesChanged(): void {
    this.startIndex = null;
  }

  /**
   * Publishes a message: it completes every receive task or catch event waiting for this name and
   * correlation key (once per instance) and starts processes with a matching message start event.
   * With `ttlMs`, a message nobody waits for yet is kept that long for the first subscription that
   * opens; a repeated `messageId` within its TTL is ignored.
   */
  async correlate(input: MessageInput): Promise<MessageResult> {
    const { store, clock, ids } = this.host;
    const now = clock.now();
    const key = input.correlationKey ?? null;
    if (input.messageId) {
      const previous = await this.messages.get(`id:${input.name}:${input.messageId}`);
      if (previous && previous.expiresAt > now) return { correlated: [], started: [], buffered: false };
    }
    const correlated = await this.trigger(await store.findSubscriptions(input.name, key), input.variables ?? {});
    const started: string[] = [];
    for (const start of await this.startEventsFor(input.name, false)) {
      // A correlation key starts one instance per key while an earlier one is still active.
      if (key !== null && (await store.listInstances({ processKey: start.processKey, state: 'active', businessKey: key, limit: 1 })).length) continue;
      started.push((await this.host.startAt(start, input.variables ?? {}, key)).id);
    }
    const ttl = Math.max(0, input.ttlMs ?? 0);
    const buffered = correlated.length === 0 && started.length === 0 && ttl > 0;
    if (buffered || (input.messageId && ttl > 0)) {
      const id = input.messageId ? `id:${input.name}:${input.messageId}` : `msg:${ids.next()}`;
      await this.messages.delete(id);
      await this.messages.insert({ id, name: input.name, correlationKey: key, variables: input.variables ?? {}, expiresAt: now + ttl, pending: buffered });
    }
    return { correlated, started, buffered };
  }

  /** Broadcasts a signal to every waiting subscription and signal start event; returns how many it reached. */
  async broadcast(name: string, variables: Variables): Promise<{ triggered: number }> {
    const reached = await this.trigger(await this.host.store.findSubscriptions(signalSubscriptionName(name), null), variables, true);
    let triggered = reached.length;
    for (const start of await this.startEventsFor(name, true)) {
      await this.host.startAt(start, variables, null);
      triggered++;
    }
    return { triggered };
  }

  /** A subscription just opened: hand it the oldest buffered message that matches, if any. */
  async deliverBuffered(sub: SubscriptionRecord): Promise<void> {
    const now = this.host.clock.now();
    const candidates = await this.messages.find({ where: { name: sub.messageName, pending: true }, orderBy: 'expiresAt' });
    const match = candidates.find((m) => m.correlationKey === sub.correlationKey && m.expiresAt > now);
    if (!match) return;
    // Taking the message is a guarded write, so two subscriptions never consume the same one.
    if (!(await this.messages.replace({ ...match, pending: false }))) return;
    await this.host.command(sub.processInstanceId, { type: 'correlateMessage', subscriptionId: sub.id, variables: match.variables }).catch((err: Error) =>
      this.host.warn({ error: err.message, subscription: sub.id }, 'buffered message could not be correlated'),
    );
  }

  /**
   * Completes the waiting subscriptions; a message reaches each instance once, a signal every
   * subscription. Returns the instance ids reached (one entry per subscription for signals).
   */
  private async trigger(subs: SubscriptionRecord[], variables: Variables, everySubscription = false): Promise<string[]> {
    const reached: string[] = [];
    let refused: InstanceVariablesTooLarge | null = null;
    for (const sub of subs) {
      if (!everySubscription && reached.includes(sub.processInstanceId)) continue;
      try {
        await this.host.command(sub.processInstanceId, { type: 'correlateMessage', subscriptionId: sub.id, variables });
        reached.push(sub.processInstanceId);
      } catch (err) {
        // One instance whose variables the payload would push over the bound does not stop the
        // others; the caller hears of it only if nothing else was reached.
        if (err instanceof InstanceVariablesTooLarge) {
          refused ??= err;
          this.host.warn({ error: err.message, subscription: sub.id }, 'message or signal refused by one instance');
          continue;
        }
        // Gone since it was found: another node or command got there first.
        if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
      }
    }
    if (refused && reached.length === 0) throw refused;
    return reached;
  }

  /** Message or signal start events of the latest version of every process. */
  private async startEventsFor(name: string, signal: boolean): Promise<StartEvent[]> {
    this.startIndex ??= (async () => {
      const out: StartEvent[] = [];
      for (const model of await this.host.latestModels()) {
        for (const el of model.elements.values()) {
          if (el.scope !== model.key || !el.message || (el.behavior !== 'bpmn:StartEvent/message' && el.behavior !== 'bpmn:StartEvent/signal')) continue;
          out.push({ processKey: model.key, definitionId: model.definitionId, elementId: el.id, name: el.message.name.raw, signal: el.message.signal });
        }
      }
      return out;
    })();
    const index = await this.startIndex.catch((err: Error) => {
      this.startIndex = null;
      throw err;
    });
    return index.filter((s) => s.name === name && s.signal === signal);
  }
}
