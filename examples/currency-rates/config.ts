// What a connection to the rates service needs: where it is and the API key (marked secret, so
// Karvon scrubs it from every log line, error and result).

import type { ObjectSchema } from '../../adapters/sdk/index.ts';

export const configSchema = {
  type: 'object',
  required: ['baseUrl', 'apiKey'],
  properties: {
    baseUrl: { type: 'string', pattern: '^https?://', title: 'API URL' },
    apiKey: { type: 'string', minLength: 4, title: 'API key', 'x-secret': true },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export interface RatesConfig {
  baseUrl: string;
  apiKey: string;
}
