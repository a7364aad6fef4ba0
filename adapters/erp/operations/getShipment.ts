import { NotFoundError } from '../../../engine/errors.ts';
import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { shipmentSchema } from '../schemas.ts';
import type { ErpService, Shipment } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['shipmentId'],
  properties: { shipmentId: { type: 'string', minLength: 1, title: 'Shipment ID' } },
} as const satisfies ObjectSchema;

export type GetShipmentInput = SchemaType<typeof inputSchema>;

export function getShipment(erp: ErpService): OperationDescriptor {
  return defineOperation<GetShipmentInput, Shipment>({
    name: 'getShipment',
    title: 'Get shipment',
    description: 'The shipment with its status, lines and reserved quantities.',
    safeToRetry: true,
    inputSchema,
    outputSchema: shipmentSchema,
    errors: { SHIPMENT_NOT_FOUND: 'No shipment has this id' },
    handler: async (input) => {
      try {
        return await erp.getShipment(input.shipmentId);
      } catch (error) {
        if (error instanceof NotFoundError) throw businessError('SHIPMENT_NOT_FOUND', error.message, { shipmentId: input.shipmentId });
        throw error;
      }
    },
  });
}
