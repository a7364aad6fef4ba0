import { businessError, defineOperation, type ObjectSchema, type SchemaType } from '../../../adapters/sdk/index.ts';
import { fetchRates } from '../client.ts';
import type { RatesConfig } from '../config.ts';

const inputSchema = {
  type: 'object',
  required: ['amount', 'from', 'to'],
  properties: {
    amount: { type: 'number', minimum: 0, title: 'Amount' },
    from: { type: 'string', pattern: '^[A-Z]{3}$', title: 'From currency' },
    to: { type: 'string', pattern: '^[A-Z]{3}$', title: 'To currency' },
  },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['amount', 'currency', 'rate'],
  properties: { amount: { type: 'number' }, currency: { type: 'string' }, rate: { type: 'number' } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const convert = defineOperation<SchemaType<typeof inputSchema>, SchemaType<typeof outputSchema>, RatesConfig>({
  name: 'convert',
  title: 'Convert amount',
  description: 'The amount in another currency at today\'s rate, rounded to two decimals.',
  safeToRetry: true,
  inputSchema,
  outputSchema,
  errors: { UNKNOWN_CURRENCY: 'The service does not quote this currency pair' },
  handler: async (input, context) => {
    const { rates } = await fetchRates(input.from, context);
    const rate = rates[input.to];
    if (rate === undefined) throw businessError('UNKNOWN_CURRENCY', `No rate from ${input.from} to ${input.to}`, { from: input.from, to: input.to });
    return { amount: Math.round(input.amount * rate * 100) / 100, currency: input.to, rate };
  },
});
