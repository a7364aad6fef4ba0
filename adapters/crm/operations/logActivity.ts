import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { activitySchema } from '../schemas.ts';
import type { Activity, CrmService } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['customerId', 'subject'],
  properties: {
    customerId: { type: 'string', minLength: 1, title: 'Customer ID' },
    dealId: { type: ['string', 'null'], title: 'Deal ID' },
    type: { enum: ['call', 'email', 'meeting', 'note', 'task', 'system'], default: 'note', title: 'Type' },
    subject: { type: 'string', minLength: 1, title: 'Subject' },
    body: { type: ['string', 'null'], title: 'Text' },
    author: { type: ['string', 'null'], title: 'Author' },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['activity'],
  properties: { activity: activitySchema },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type LogActivityOperationInput = SchemaType<typeof inputSchema>;

export function logActivity(crm: CrmService): OperationDescriptor {
  return defineOperation<LogActivityOperationInput, { activity: Activity }>({
    name: 'logActivity',
    title: 'Log activity',
    description: 'Adds a call, e-mail, meeting, note or task to the customer\'s activity log; a retry logs it once.',
    safeToRetry: true,
    inputSchema,
    outputSchema,
    handler: async (input, context) => ({
      activity: await crm.logActivity({ ...input, type: input.type ?? 'note' }, context.idempotencyKey),
    }),
  });
}
