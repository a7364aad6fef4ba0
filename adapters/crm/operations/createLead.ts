import { defineOperation, type ObjectSchema, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { customerInputProperties, customerSchema, dealSchema, lineItemInputSchema } from '../schemas.ts';
import type { CreateCustomerInput, CreateDealInput, CrmService, Customer, Deal } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['customer', 'deal'],
  properties: {
    customer: { type: 'object', title: 'Customer', required: ['kind', 'name'], properties: customerInputProperties, additionalProperties: false },
    deal: {
      type: 'object',
      title: 'Deal',
      required: ['title'],
      properties: {
        title: { type: 'string', minLength: 1 },
        lineItems: { type: 'array', items: lineItemInputSchema },
        owner: { type: ['string', 'null'] },
      },
      additionalProperties: false,
    },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['customerId', 'dealId', 'customerCreated', 'customer', 'deal'],
  properties: {
    customerId: { type: 'string' },
    dealId: { type: 'string' },
    customerCreated: { type: 'boolean' },
    customer: customerSchema,
    deal: dealSchema,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

// Hand-written beside the schemas (their FromSchema form is too deep to infer cheaply). The runtime
// validates every output against outputSchema, and test/adapters/operations.test.ts runs this one.
export interface CreateLeadInput {
  customer: Omit<CreateCustomerInput, 'id'>;
  deal: { title: string; lineItems?: CreateDealInput['lineItems']; owner?: string | null };
}
export interface CreateLeadOutput {
  customerId: string;
  dealId: string;
  customerCreated: boolean;
  customer: Customer;
  deal: Deal;
}

export const createLeadSchemas = { inputSchema, outputSchema };

export function createLead(crm: CrmService): OperationDescriptor {
  return defineOperation<CreateLeadInput, CreateLeadOutput>({
    name: 'createLead',
    title: 'Create lead',
    description: 'Opens a new deal for a prospect, reusing the customer with the same tax id. Retries never create a second lead.',
    // Ids derive from the job's idempotency key, so repeating the call finds the first result.
    safeToRetry: true,
    inputSchema,
    outputSchema,
    handler: async (input, context) => {
      const result = await crm.createLead(input, context.idempotencyKey);
      return { customerId: result.customer.id, dealId: result.deal.id, ...result };
    },
  });
}
