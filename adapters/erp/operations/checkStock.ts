import { defineOperation, type ObjectSchema, type OperationDescriptor, type SchemaType } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { mapOrderLines } from '../../mapping/lines.ts';
import type { ErpService } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      title: 'Items',
      minItems: 1,
      items: { type: 'object', required: ['sku', 'quantity'], properties: { sku: { type: 'string' }, quantity: { type: 'number', exclusiveMinimum: 0 } } },
    },
    warehouseId: { type: 'string', title: 'Warehouse ID' },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['available', 'warehouseId', 'items'],
  properties: {
    available: { type: 'boolean', description: 'Every item is available in full' },
    warehouseId: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'requested', 'onHand', 'reserved', 'available', 'short'],
        properties: {
          sku: { type: 'string' },
          requested: { type: 'number' },
          onHand: { type: 'number' },
          reserved: { type: 'number' },
          available: { type: 'number' },
          short: { type: 'number' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export type CheckStockInput = SchemaType<typeof inputSchema>;
export type CheckStockOutput = SchemaType<typeof outputSchema>;

export function checkStock(erp: ErpService): OperationDescriptor {
  return defineOperation<CheckStockInput, CheckStockOutput>({
    name: 'checkStock',
    title: 'Check stock',
    description: 'How much of each item is on hand, reserved and available in a warehouse (the default one unless named).',
    safeToRetry: true,
    inputSchema,
    outputSchema,
    errors: {
      UNKNOWN_PRODUCT: 'An item names a SKU the ERP does not know',
      ORDER_DATA_INVALID: 'An item lacks a SKU or its quantity is not a positive number',
    },
    handler: async (input) => {
      const result = await erp.checkAvailability(mapOrderLines(input.items), input.warehouseId);
      const unknown = result.lines.filter((l) => !l.known).map((l) => l.sku);
      if (unknown.length > 0) throw businessError('UNKNOWN_PRODUCT', `Unknown SKU ${unknown.join(', ')}`, { skus: unknown });
      return {
        available: result.lines.every((l) => l.short === 0),
        warehouseId: result.warehouse.id,
        items: result.lines.map((l) => ({ sku: l.sku, requested: l.requested, onHand: l.onHand, reserved: l.reserved, available: l.available, short: l.short })),
      };
    },
  });
}
