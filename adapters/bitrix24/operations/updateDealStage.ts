import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { businessError, isAdapterError } from '../../sdk/errors.ts';
import { Bitrix24Client, type BxRecord } from '../client.ts';
import type { Bitrix24Config, DealStage } from '../config.ts';
import { crmContract } from '../contract.ts';
import { OWNER_TYPE_ID, asRecord, dealView, stageIds, type DealView } from '../views.ts';

interface Input {
  dealId: string;
  stage: DealStage;
  note?: string;
}

export const updateDealStage: OperationDescriptor<Bitrix24Config> = defineOperation<Input, { deal: DealView; changed: boolean; previousStage: DealStage }, Bitrix24Config>({
  ...crmContract('updateDealStage'),
  handler: async (input, context) => {
    const bx = new Bitrix24Client(context);
    const read = async (): Promise<BxRecord> => {
      try {
        return asRecord(await bx.call('crm.deal.get', { id: input.dealId }, { idempotent: true }));
      } catch (error) {
        if (isAdapterError(error) && error.kind === 'not_found') throw businessError('DEAL_NOT_FOUND', `Bitrix24 has no deal ${input.dealId}`, { dealId: input.dealId });
        throw error;
      }
    };
    const before = dealView(await read(), context.config);
    if (before.stage === input.stage) return { deal: before, changed: false, previousStage: before.stage };
    if (before.stage === 'won' || before.stage === 'lost') {
      throw businessError('STAGE_TRANSITION_NOT_ALLOWED', `Deal ${input.dealId} is closed as ${before.stage}; it cannot move to ${input.stage}`, { dealId: input.dealId, from: before.stage, to: input.stage });
    }
    // Setting a stage is idempotent: sending it twice leaves the deal where once would.
    await bx.call('crm.deal.update', { id: input.dealId, fields: { STAGE_ID: stageIds(context.config)[input.stage] } }, { idempotent: true });
    if (input.note) {
      await bx.call('crm.timeline.comment.add', { fields: { ENTITY_ID: Number(input.dealId), ENTITY_TYPE: 'deal', COMMENT: input.note } }).catch((error: unknown) => {
        // The stage moved; a lost comment is not worth failing (and re-running) the task for.
        context.logger.warn('could not add the timeline comment', { dealId: input.dealId, error: error instanceof Error ? error.message : String(error), ownerType: OWNER_TYPE_ID.deal });
      });
    }
    return { deal: dealView(await read(), context.config), changed: true, previousStage: before.stage };
  },
});
