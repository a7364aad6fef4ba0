import { businessError, defineOperation, type ObjectSchema, type SchemaType } from '../../../adapters/sdk/index.ts';
import { fetchRates } from '../client.ts';
import type { RatesConfig } from '../config.ts';

const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;

const inputSchema = {
  type: 'object',
  required: ['from', 'to'],
  properties: { from: { ...currency, title: 'From currency' }, to: { ...currency, title: 'To currency' } },
} as const satisfies ObjectSchema;

const outputSchema = {
  type: 'object',
  required: ['rate', 'date'],
  properties: { rate: { type: 'number' }, date: { type: 'string' } },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const getRate = defineOperation<SchemaType<typeof inputSchema>, SchemaType<typeof outputSchema>, RatesConfig>({
  name: 'getRate',
  title: 'Get exchange rate',
  description: 'How many units of `to` one unit of `from` buys today.',
  safeToRetry: true,
  inputSchema,
  outputSchema,
  errors: { UNKNOWN_CURRENCY: 'The service does not quote this currency pair' },
  handler: async (input, context) => {
    const answer = await fetchRates(input.from, context);
    const rate = answer.rates[input.to];
    if (rate === undefined) throw businessError('UNKNOWN_CURRENCY', `No rate from ${input.from} to ${input.to}`, { from: input.from, to: input.to });
    return { rate, date: answer.date };
  },
});
