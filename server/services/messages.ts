// Messages from other systems: correlated by name and key to waiting instances (or buffered for
// ttlMs when nobody waits yet). Signals: broadcast by name to everything that waits for them.

import type { Variables } from '../../engine/types.ts';
import type { EngineFacade, MessageResult } from '../engine-facade.ts';
import type { AuditTrail } from './audit.ts';

export interface PublishInput {
  name: string;
  /** Numbers are accepted and compared as text, as the engine does with FEEL results. */
  correlationKey?: string | number | null;
  variables?: Variables;
  ttlMs?: number;
  messageId?: string;
}

export class MessageService {
  constructor(
    private readonly engine: EngineFacade,
    private readonly audit: AuditTrail,
  ) {}

  async publish(input: PublishInput): Promise<MessageResult> {
    const { correlationKey, ...rest } = input;
    const key = correlationKey === undefined || correlationKey === null ? null : String(correlationKey);
    const result = await this.engine.correlateMessage({ ...rest, correlationKey: key });
    await this.audit.record('message.published', [input.name, ...result.correlated, ...result.started], {
      correlationKey: key,
      messageId: input.messageId ?? null,
      buffered: result.buffered,
    });
    return result;
  }

  async broadcast(name: string, variables?: Variables): Promise<{ triggered: number }> {
    const result = await this.engine.broadcastSignal(name, variables);
    await this.audit.record('signal.broadcast', [name], { triggered: result.triggered });
    return result;
  }
}
