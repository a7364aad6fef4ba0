// The descriptor Karvon loads (package.json → karvon.adapters): name, version, configuration and
// the operations. A connection named e.g. `fx` makes the task types `fx.getRate` and `fx.convert`.

import { defineAdapter } from '../../adapters/sdk/index.ts';
import { configSchema, type RatesConfig } from './config.ts';
import { convert } from './operations/convert.ts';
import { getRate } from './operations/getRate.ts';

export default defineAdapter<RatesConfig>({
  name: 'currency-rates',
  version: '1.0.0',
  title: 'Currency rates',
  description: 'Exchange rates from a JSON API',
  configSchema,
  operations: [getRate, convert],
});
