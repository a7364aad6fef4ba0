import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { customerSchema } from '../schemas.ts';
import type { CrmService, Customer } from '../service.ts';

const inputSchema = {
  type: 'object',
  properties: {
    query: { type: 'string', title: 'Search text' },
    taxId: { type: 'string', title: 'Tax ID' },
    segment: { type: 'string', title: 'Segment' },
    limit: { type: 'integer', minimum: 1, maximum: 500, title: 'Limit' },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['customers', 'count'],
  properties: { customers: { type: 'array', items: customerSchema }, count: { type: 'integer' } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type FindCustomersInput = SchemaType<typeof inputSchema>;
export interface FindCustomersOutput {
  customers: Customer[];
  count: number;
}

export function findCustomers(crm: CrmService): OperationDescriptor {
  return defineOperation<FindCustomersInput, FindCustomersOutput>({
    name: 'findCustomers',
    title: 'Find customers',
    description: 'Customers whose name, tax id, phone or e-mail contains the query, optionally filtered.',
    safeToRetry: true,
    inputSchema,
    outputSchema,
    handler: async (input) => {
      const customers = await crm.listCustomers({
        ...(input.query !== undefined ? { q: input.query } : {}),
        ...(input.taxId !== undefined ? { taxId: input.taxId } : {}),
        ...(input.segment !== undefined ? { segment: input.segment } : {}),
        limit: input.limit ?? 20,
      });
      return { customers, count: customers.length };
    },
  });
}
