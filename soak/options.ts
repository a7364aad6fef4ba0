// `npm run soak -- [options]`: what the run does, read from the command line with clear errors.

import { parseArgs } from 'node:util';

export type SoakStore = 'sqlite' | 'mongodb';

export interface SoakOptions {
  /** How long instances are started, in ms (the drain comes after). */
  durationMs: number;
  /** Instances started per second. */
  rate: number;
  /** Mean time between SIGKILLs, in ms (each gap is drawn from 0.5× to 1.5× of it). */
  killEveryMs: number;
  /** Exactly this many kills at random moments instead of `killEveryMs`. */
  kills: number | null;
  store: SoakStore;
  /** MONGODB_URL, required for `--store mongodb`. */
  mongoUrl: string | null;
  /** Put the ERP (the Odoo fake) behind the fault proxy and inject faults during the run. */
  erpFaults: boolean;
  /** Longest the ERP is down in one go with `--erp-faults`, in ms. */
  erpDownMs: number;
  seed: number;
  /** Longest wait for every instance to finish after the last start, in ms. */
  drainMs: number;
}

export const USAGE = `npm run soak -- [options]
  --duration <s>      seconds of load (default 300)
  --rate <n>          ship-goods instances started per second (default 2)
  --kill-every <s>    mean seconds between SIGKILLs of the server (default 30)
  --kills <n>         exactly n SIGKILLs at random moments instead
  --store <name>      sqlite (default) or mongodb (uses MONGODB_URL)
  --erp-faults        ERP = Odoo fake behind a fault proxy: 500s, hangs, broken JSON,
                      schema-violating data, and down for --erp-down seconds
  --erp-down <s>      longest outage with --erp-faults (default 60)
  --seed <n>          seed of kill moments, workload mix and faults (default 1)
  --drain <s>         longest wait for the last instances after the load (default 120)`;

export class SoakUsageError extends Error {}

export function parseSoakArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SoakOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' },
        rate: { type: 'string' },
        'kill-every': { type: 'string' },
        kills: { type: 'string' },
        store: { type: 'string' },
        'erp-faults': { type: 'boolean' },
        'erp-down': { type: 'string' },
        seed: { type: 'string' },
        drain: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new SoakUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const store = values.store ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'mongodb') throw new SoakUsageError(`--store must be sqlite or mongodb, got "${store}"`);
  const mongoUrl = env.MONGODB_URL?.trim() || null;
  if (store === 'mongodb' && !mongoUrl) throw new SoakUsageError('--store mongodb needs MONGODB_URL (e.g. ../shared/bin/mongo-test-server run -- npm run soak -- --store mongodb)');
  return {
    durationMs: seconds(values.duration, '--duration', 300, 1),
    rate: number(values.rate, '--rate', 2, 0.1, 100),
    killEveryMs: seconds(values['kill-every'], '--kill-every', 30, 2),
    kills: values.kills === undefined ? null : number(values.kills, '--kills', 0, 0, 1000, true),
    store,
    mongoUrl,
    erpFaults: values['erp-faults'] ?? false,
    erpDownMs: seconds(values['erp-down'], '--erp-down', 60, 1),
    seed: number(values.seed, '--seed', 1, 0, 2 ** 32 - 1, true),
    drainMs: seconds(values.drain, '--drain', 120, 1),
  };
}

function seconds(value: string | undefined, name: string, fallback: number, min: number): number {
  return number(value, name, fallback, min, 86_400) * 1000;
}

function number(value: string | undefined, name: string, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new SoakUsageError(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${value}"`);
  }
  return n;
}
