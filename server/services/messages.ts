// Messages from other systems: correlated by name and key to waiting instances (or buffered for
// ttlMs when nobody waits yet). Signals: broadcast by name to everything that waits for them.

import type { Variables } from '../../engine/types.ts';
import type { EngineFacade, MessageResult } from '../engine-facade.ts';

export interface PublishInput {
  name: string;
  /** Numbers are accepted and compared as text, as the engine does with FEEL results. */
  correlationKey?: string | number | null;
  variables?: Variables;
  ttlMs?: number;
  messageId?: string;
}

export class MessageService {
  constructor(private readonly engine: EngineFacade) {}

  publish(input: PublishInput): Promise<MessageResult> {
    const { correlationKey, ...rest } = input;
    return this.engine.correlateMessage({
      ...rest,
      correlationKey: correlationKey === undefined || correlationKey === null ? null : String(correlationKey),
    });
  }

  broadcast(name: string, variables?: Variables): Promise<{ triggered: number }> {
    return this.engine.broadcastSignal(name, variables);
  }
}
