import { NotFoundError } from '../../../engine/errors.ts';
import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { customerCardSchema } from '../schemas.ts';
import type { CrmService, CustomerCard } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['customerId'],
  properties: {
    customerId: { type: 'string', minLength: 1, title: 'Customer ID' },
    recentActivities: { type: 'integer', minimum: 0, maximum: 100, title: 'Recent activities', description: 'How many of the latest activities to include (default 10)' },
  },
} as const satisfies ObjectSchema;

export type GetCustomerCardInput = SchemaType<typeof inputSchema>;

export function getCustomerCard(crm: CrmService): OperationDescriptor {
  return defineOperation<GetCustomerCardInput, CustomerCard>({
    name: 'getCustomerCard',
    title: 'Get customer card',
    description: 'The customer with contacts, open deals, recent activities and lifetime revenue.',
    safeToRetry: true,
    inputSchema,
    outputSchema: customerCardSchema,
    errors: { CUSTOMER_NOT_FOUND: 'No customer has this id' },
    handler: async (input) => {
      try {
        return await crm.getCustomerCard(input.customerId, { recentActivities: input.recentActivities });
      } catch (error) {
        if (error instanceof NotFoundError) throw businessError('CUSTOMER_NOT_FOUND', error.message, { customerId: input.customerId });
        throw error;
      }
    },
  });
}
