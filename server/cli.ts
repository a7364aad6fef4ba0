#!/usr/bin/env -S node --import tsx
// Karvon's command line. `karvon migrate --from sqlite:<path> --to mongodb://host/db [--force]`
// copies an embedded store to MongoDB (see docs/mongodb.md). `npm run karvon -- <command>` runs it
// from a checkout.

import { parseArgs } from 'node:util';
import { MigrationRefused, migrateSqliteToMongo } from '../engine/store/migrate.ts';

const usage = `usage: karvon migrate --from sqlite:<path/to/karvon.db> --to mongodb://host[:port]/<db> [--db <name>] [--force]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'migrate') {
    console.error(usage);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: { from: { type: 'string' }, to: { type: 'string' }, db: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const from = values.from?.startsWith('sqlite:') ? values.from.slice('sqlite:'.length) : null;
  const to = values.to && /^mongodb(\+srv)?:\/\//.test(values.to) ? values.to : null;
  if (!from || !to) {
    console.error(usage);
    return 2;
  }
  const counts = await migrateSqliteToMongo({ from, to, dbName: values.db, force: values.force, log: (line) => console.log(`  ${line}`) });
  console.log(`migrated ${Object.values(counts).reduce((a, b) => a + b, 0)} records from ${from}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof MigrationRefused ? `refused: ${error.message}` : error);
    process.exit(error instanceof MigrationRefused ? 3 : 1);
  },
);
