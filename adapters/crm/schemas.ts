// JSON Schemas of the CRM's public shapes: service inputs for the REST routes, and the views that
// both the REST routes and the adapter operations return.

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const strList = { type: 'array', items: { type: 'string' } } as const;

export const customerSchema = {
  type: 'object',
  required: ['id', 'kind', 'name', 'taxId', 'phones', 'emails', 'address', 'segment', 'owner', 'createdAt', 'updatedAt'],
  properties: {
    id: str,
    kind: { enum: ['company', 'person'] },
    name: str,
    taxId: nullableStr,
    phones: strList,
    emails: strList,
    address: { type: ['string', 'null'], description: 'Free text, as entered in the CRM' },
    segment: nullableStr,
    owner: nullableStr,
    createdAt: str,
    updatedAt: str,
  },
  additionalProperties: false,
} as const;

export const contactSchema = {
  type: 'object',
  required: ['id', 'customerId', 'name', 'position', 'phones', 'emails'],
  properties: { id: str, customerId: str, name: str, position: nullableStr, phones: strList, emails: strList },
  additionalProperties: false,
} as const;

export const lineItemSchema = {
  type: 'object',
  required: ['sku', 'name', 'quantity', 'price', 'amount'],
  properties: {
    sku: str,
    name: nullableStr,
    quantity: { type: 'number' },
    price: { type: 'number' },
    amount: { type: 'number' },
  },
  additionalProperties: false,
} as const;

export const dealSchema = {
  type: 'object',
  required: ['id', 'customerId', 'title', 'stage', 'lineItems', 'amount', 'currency', 'owner', 'expectedCloseDate', 'createdAt', 'updatedAt', 'closedAt'],
  properties: {
    id: str,
    customerId: str,
    title: str,
    stage: { enum: ['new', 'qualified', 'proposal', 'won', 'lost'] },
    lineItems: { type: 'array', items: lineItemSchema },
    amount: { type: 'number' },
    currency: str,
    owner: nullableStr,
    expectedCloseDate: nullableStr,
    createdAt: str,
    updatedAt: str,
    closedAt: nullableStr,
  },
  additionalProperties: false,
} as const;

export const activitySchema = {
  type: 'object',
  required: ['id', 'customerId', 'dealId', 'type', 'subject', 'body', 'author', 'at'],
  properties: {
    id: str,
    customerId: str,
    dealId: nullableStr,
    type: { enum: ['call', 'email', 'meeting', 'note', 'task', 'system'] },
    subject: str,
    body: nullableStr,
    author: nullableStr,
    at: str,
  },
  additionalProperties: false,
} as const;

export const customerCardSchema = {
  type: 'object',
  required: ['customer', 'contacts', 'openDeals', 'recentActivities', 'lifetimeRevenue', 'currency'],
  properties: {
    customer: customerSchema,
    contacts: { type: 'array', items: contactSchema },
    openDeals: { type: 'array', items: dealSchema },
    recentActivities: { type: 'array', items: activitySchema },
    lifetimeRevenue: { type: 'number', description: 'Sum of won deals' },
    currency: str,
  },
  additionalProperties: false,
} as const;

// ---- inputs --------------------------------------------------------------------------------------

const phone = { type: 'string', minLength: 3, maxLength: 40 } as const;
const email = { type: 'string', format: 'email' } as const;

export const customerInputProperties = {
  kind: { enum: ['company', 'person'] },
  name: { type: 'string', minLength: 1, maxLength: 300 },
  taxId: { type: ['string', 'null'], maxLength: 40 },
  phones: { type: 'array', items: phone },
  emails: { type: 'array', items: email },
  address: { type: ['string', 'null'], maxLength: 1000 },
  segment: { type: ['string', 'null'], maxLength: 100 },
  owner: { type: ['string', 'null'], maxLength: 100 },
} as const;

export const createCustomerSchema = {
  type: 'object',
  required: ['kind', 'name'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Optional; generated when absent' },
    ...customerInputProperties,
  },
  additionalProperties: false,
} as const;

export const patchCustomerSchema = {
  type: 'object',
  minProperties: 1,
  properties: customerInputProperties,
  additionalProperties: false,
} as const;

export const lineItemInputSchema = {
  type: 'object',
  required: ['sku', 'quantity', 'price'],
  properties: {
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: ['string', 'null'] },
    quantity: { type: 'number', exclusiveMinimum: 0 },
    price: { type: 'number', minimum: 0 },
  },
  additionalProperties: false,
} as const;

export const createDealSchema = {
  type: 'object',
  required: ['customerId', 'title'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    customerId: { type: 'string', minLength: 1 },
    title: { type: 'string', minLength: 1, maxLength: 300 },
    stage: { enum: ['new', 'qualified', 'proposal', 'won', 'lost'] },
    lineItems: { type: 'array', items: lineItemInputSchema },
    owner: { type: ['string', 'null'] },
    expectedCloseDate: { type: ['string', 'null'], format: 'date' },
  },
  additionalProperties: false,
} as const;

export const patchDealSchema = {
  type: 'object',
  minProperties: 1,
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 300 },
    stage: { enum: ['new', 'qualified', 'proposal', 'won', 'lost'] },
    lineItems: { type: 'array', items: lineItemInputSchema },
    owner: { type: ['string', 'null'] },
    expectedCloseDate: { type: ['string', 'null'], format: 'date' },
  },
  additionalProperties: false,
} as const;

export const createContactSchema = {
  type: 'object',
  required: ['customerId', 'name'],
  properties: {
    customerId: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    position: { type: ['string', 'null'] },
    phones: { type: 'array', items: phone },
    emails: { type: 'array', items: email },
  },
  additionalProperties: false,
} as const;

export const logActivitySchema = {
  type: 'object',
  required: ['customerId', 'type', 'subject'],
  properties: {
    customerId: { type: 'string', minLength: 1 },
    dealId: { type: ['string', 'null'] },
    type: { enum: ['call', 'email', 'meeting', 'note', 'task', 'system'] },
    subject: { type: 'string', minLength: 1, maxLength: 500 },
    body: { type: ['string', 'null'] },
    author: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

export const customerQuerySchema = {
  type: 'object',
  properties: {
    q: { type: 'string', description: 'Fragment of the name, tax id, phone or email' },
    taxId: { type: 'string' },
    segment: { type: 'string' },
    owner: { type: 'string' },
    kind: { enum: ['company', 'person'] },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  },
  additionalProperties: false,
} as const;

export const dealQuerySchema = {
  type: 'object',
  properties: {
    customerId: { type: 'string' },
    stage: { enum: ['new', 'qualified', 'proposal', 'won', 'lost'] },
    owner: { type: 'string' },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  },
  additionalProperties: false,
} as const;
