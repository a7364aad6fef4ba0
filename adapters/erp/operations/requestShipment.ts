import { defineOperation, type ObjectSchema, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { crmCustomerInputSchema, shipmentSchema } from '../schemas.ts';
import type { ErpService, Shipment, ShipmentRequest } from '../service.ts';

const inputSchema = {
  type: 'object',
  required: ['customer', 'items'],
  properties: {
    customer: crmCustomerInputSchema,
    shipTo: {
      type: ['string', 'object', 'null'],
      title: 'Ship-to address',
      description: 'Free text or {street, city, postcode, countryCode}; defaults to the customer\'s address',
    },
    items: {
      type: 'array',
      title: 'Items',
      description: 'List of {sku, quantity}; a quantity that arrives as text is reported as ORDER_DATA_INVALID',
      items: { type: 'object' },
    },
    warehouseId: { type: 'string', title: 'Warehouse ID' },
    deliveryDate: { type: ['string', 'null'], title: 'Delivery date', description: 'YYYY-MM-DD' },
    dealId: { type: ['string', 'null'], title: 'Deal ID' },
    shortStockPolicy: {
      enum: ['reject', 'wait', 'partial'],
      default: 'reject',
      title: 'When stock is short',
      description: 'reject: throw INSUFFICIENT_STOCK and create nothing; wait: create the shipment waiting for stock; partial: reserve what is there',
    },
    idempotencyKey: {
      type: 'string',
      title: 'Idempotency key',
      description: 'Optional; by default the task\'s own key, stable across retries',
    },
  },
} as const satisfies ObjectSchema;

export interface RequestShipmentInput extends Omit<ShipmentRequest, 'deliveryDate'> {
  idempotencyKey?: string;
  deliveryDate?: string | null;
}

export function requestShipment(erp: ErpService): OperationDescriptor {
  return defineOperation<RequestShipmentInput, Shipment>({
    name: 'requestShipment',
    title: 'Request shipment',
    description: 'Maps the CRM customer to an ERP partner, creates a shipment for the items and reserves the stock. The same idempotency key always yields the same shipment.',
    // Keyed by the idempotency key: a retry after an unknown outcome finds the first shipment.
    safeToRetry: true,
    inputSchema,
    outputSchema: shipmentSchema,
    errors: {
      INSUFFICIENT_STOCK: 'Some items are short; details.shortItems lists each {sku, requested, available, short}',
      ADDRESS_INCOMPLETE: 'The customer\'s address is missing or cannot be structured confidently; details name the customer, the field and the fix',
      CUSTOMER_DATA_INVALID: 'A field the ERP requires (e.g. tax id) is missing or has the wrong type; details name it and the fix',
      ORDER_DATA_INVALID: 'An item lacks a SKU or its quantity is not a positive number',
      UNKNOWN_PRODUCT: 'An item names a SKU the ERP does not know',
    },
    handler: async (input, context) => {
      const { idempotencyKey, deliveryDate, ...request } = input;
      return erp.requestShipment({ ...request, ...(deliveryDate ? { deliveryDate } : {}) }, idempotencyKey ?? context.idempotencyKey);
    },
  });
}
