import { NotFoundError } from '../../../engine/errors.ts';
import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { invoiceSchema } from '../schemas.ts';
import { NotInvoiceableError, type ErpService, type Invoice } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['shipmentId'],
  properties: {
    shipmentId: { type: 'string', minLength: 1, title: 'Shipment ID' },
    dueDays: { type: 'integer', minimum: 0, maximum: 365, title: 'Days to pay', description: 'Defaults to the partner\'s payment term' },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['invoice', 'created'],
  properties: { invoice: invoiceSchema, created: { type: 'boolean' } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type CreateInvoiceInput = SchemaType<typeof inputSchema>;

export function createInvoice(erp: ErpService): OperationDescriptor {
  return defineOperation<CreateInvoiceInput, { invoice: Invoice; created: boolean }>({
    name: 'createInvoice',
    title: 'Create invoice',
    description: 'Invoices a reserved or shipped shipment at the products\' prices; a shipment is invoiced once.',
    safeToRetry: true,
    inputSchema,
    outputSchema,
    errors: {
      SHIPMENT_NOT_FOUND: 'No shipment has this id',
      SHIPMENT_NOT_INVOICEABLE: 'The shipment is still a draft, waiting for stock, or canceled',
    },
    handler: async (input) => {
      try {
        return await erp.createInvoice(input.shipmentId, { dueDays: input.dueDays });
      } catch (error) {
        if (error instanceof NotFoundError) throw businessError('SHIPMENT_NOT_FOUND', error.message, { shipmentId: input.shipmentId });
        if (error instanceof NotInvoiceableError) {
          throw businessError('SHIPMENT_NOT_INVOICEABLE', error.message, { shipmentId: input.shipmentId, status: error.shipment.status });
        }
        throw error;
      }
    },
  });
}
