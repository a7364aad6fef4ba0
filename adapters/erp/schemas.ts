// JSON Schemas of the ERP's public shapes (views) and of the REST service inputs.

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const num = { type: 'number' } as const;

export const addressSchema = {
  type: 'object',
  required: ['street', 'city', 'countryCode'],
  properties: {
    street: { type: 'string', minLength: 1 },
    street2: nullableStr,
    city: { type: 'string', minLength: 1 },
    region: nullableStr,
    postcode: nullableStr,
    countryCode: { type: 'string', pattern: '^[A-Z]{2}$' },
    raw: nullableStr,
  },
  additionalProperties: false,
} as const;

export const productSchema = {
  type: 'object',
  required: ['id', 'sku', 'name', 'unit', 'price', 'currency', 'weight', 'active'],
  properties: { id: str, sku: str, name: str, unit: str, price: num, currency: str, weight: { type: ['number', 'null'], description: 'kg per unit' }, active: { type: 'boolean' } },
  additionalProperties: false,
} as const;

export const stockSchema = {
  type: 'object',
  required: ['productId', 'sku', 'warehouseId', 'onHand', 'reserved', 'available'],
  properties: { productId: str, sku: str, warehouseId: str, onHand: num, reserved: num, available: num },
  additionalProperties: false,
} as const;

export const shipmentSchema = {
  type: 'object',
  required: ['id', 'number', 'status', 'partnerId', 'customerRef', 'customerName', 'shipTo', 'warehouseId', 'lines', 'partial', 'shortStockPolicy', 'dealId', 'expectedDate', 'createdAt', 'updatedAt'],
  properties: {
    id: str,
    number: nullableStr,
    status: { enum: ['draft', 'waiting_for_stock', 'reserved', 'shipped', 'delivered', 'canceled'] },
    partnerId: str,
    customerRef: str,
    customerName: str,
    shipTo: addressSchema,
    warehouseId: str,
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'productId', 'name', 'unit', 'requested', 'reserved', 'shipped'],
        properties: { sku: str, productId: str, name: str, unit: str, requested: num, reserved: num, shipped: num },
        additionalProperties: false,
      },
    },
    partial: { type: 'boolean', description: 'Some lines are reserved for less than requested' },
    shortStockPolicy: { enum: ['reject', 'wait', 'partial'] },
    dealId: nullableStr,
    expectedDate: { type: 'string', format: 'date' },
    createdAt: str,
    updatedAt: str,
  },
  additionalProperties: false,
} as const;

export const partnerSchema = {
  type: 'object',
  required: ['id', 'externalRef', 'name', 'kind', 'taxId', 'phone', 'email', 'paymentTermDays', 'address'],
  properties: {
    id: str,
    externalRef: str,
    name: str,
    kind: { enum: ['company', 'person'] },
    taxId: str,
    phone: nullableStr,
    email: nullableStr,
    paymentTermDays: { type: ['number', 'null'] },
    address: addressSchema,
  },
  additionalProperties: false,
} as const;

export const invoiceSchema = {
  type: 'object',
  required: ['id', 'number', 'partnerId', 'shipmentId', 'lines', 'total', 'currency', 'status', 'issuedAt', 'dueDate'],
  properties: {
    id: str,
    number: str,
    partnerId: str,
    shipmentId: nullableStr,
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'quantity', 'price', 'amount'],
        properties: { sku: str, quantity: num, price: num, amount: num },
        additionalProperties: false,
      },
    },
    total: num,
    currency: str,
    status: { enum: ['issued', 'paid', 'canceled'] },
    issuedAt: str,
    dueDate: str,
  },
  additionalProperties: false,
} as const;

/** The CRM customer as it arrives from `crm.getCustomerCard`; checked field by field by the mapping. */
export const crmCustomerInputSchema = {
  type: 'object',
  title: 'Customer',
  description: 'The CRM customer (e.g. `=customerCard.customer`); mapped to an ERP partner, with field-level business errors',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1 } },
} as const;

// ---- REST inputs --------------------------------------------------------------------------------

export const createProductSchema = {
  type: 'object',
  required: ['sku', 'name', 'unit', 'price'],
  properties: {
    sku: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    name: { type: 'string', minLength: 1, maxLength: 300 },
    unit: { type: 'string', minLength: 1, maxLength: 20 },
    price: { type: 'number', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    weight: { type: ['number', 'null'], minimum: 0 },
  },
  additionalProperties: false,
} as const;

export const createWarehouseSchema = {
  type: 'object',
  required: ['code', 'name'],
  properties: {
    code: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' },
    name: { type: 'string', minLength: 1 },
    allowNegative: { type: 'boolean' },
    isDefault: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

export const stockQuerySchema = {
  type: 'object',
  properties: { productId: str, warehouseId: str, sku: str },
  additionalProperties: false,
} as const;

export const adjustStockSchema = {
  type: 'object',
  required: ['warehouseId'],
  properties: {
    productId: { type: 'string', minLength: 1 },
    sku: { type: 'string', minLength: 1 },
    warehouseId: { type: 'string', minLength: 1 },
    delta: { type: 'number', description: 'Change of the quantity on hand (negative to write off)' },
    set: { type: 'number', minimum: 0, description: 'New quantity on hand (a count)' },
    reason: { type: 'string' },
  },
  oneOf: [{ required: ['delta'] }, { required: ['set'] }],
  anyOf: [{ required: ['productId'] }, { required: ['sku'] }],
  additionalProperties: false,
} as const;

export const shipmentQuerySchema = {
  type: 'object',
  properties: {
    status: { enum: ['draft', 'waiting_for_stock', 'reserved', 'shipped', 'delivered', 'canceled'] },
    partnerId: str,
    customerRef: str,
    dealId: str,
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  },
  additionalProperties: false,
} as const;
