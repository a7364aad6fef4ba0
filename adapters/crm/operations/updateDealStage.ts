import { NotFoundError } from '../../../engine/errors.ts';
import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { DEAL_STAGES, type DealStage } from '../model.ts';
import { dealSchema } from '../schemas.ts';
import { StageTransitionError, type CrmService, type Deal } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['dealId', 'stage'],
  properties: {
    dealId: { type: 'string', minLength: 1, title: 'Deal ID' },
    stage: { enum: ['new', 'qualified', 'proposal', 'won', 'lost'], title: 'Stage', default: 'won' },
    note: { type: 'string', title: 'Note', description: 'Logged as an activity on the deal' },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['deal', 'changed', 'previousStage'],
  properties: { deal: dealSchema, changed: { type: 'boolean' }, previousStage: { enum: DEAL_STAGES } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type UpdateDealStageInput = SchemaType<typeof inputSchema>;
export interface UpdateDealStageOutput {
  deal: Deal;
  changed: boolean;
  previousStage: DealStage;
}

export function updateDealStage(crm: CrmService): OperationDescriptor {
  return defineOperation<UpdateDealStageInput, UpdateDealStageOutput>({
    name: 'updateDealStage',
    title: 'Update deal stage',
    description: 'Moves a deal to another pipeline stage and notes it in the activity log; moving to the current stage changes nothing.',
    safeToRetry: true,
    inputSchema,
    outputSchema,
    errors: {
      DEAL_NOT_FOUND: 'No deal has this id',
      STAGE_TRANSITION_NOT_ALLOWED: 'The pipeline does not allow this move (e.g. out of a won deal)',
    },
    handler: async (input, context) => {
      try {
        const subject = input.note ?? `Stage set to "${input.stage}" by process ${context.process?.processKey ?? 'call'}`;
        return await crm.updateDealStage(input.dealId, input.stage, { subject, author: null, idempotencyKey: context.idempotencyKey });
      } catch (error) {
        if (error instanceof NotFoundError) throw businessError('DEAL_NOT_FOUND', error.message, { dealId: input.dealId });
        if (error instanceof StageTransitionError) {
          throw businessError('STAGE_TRANSITION_NOT_ALLOWED', error.message, { dealId: error.dealId, from: error.from, to: error.to });
        }
        throw error;
      }
    },
  });
}
