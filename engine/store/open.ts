// Picks the store backend: MongoDB when a URL is given (MONGODB_URL), else the embedded SQLite
// file in the data folder. Both backends load on demand, so an embedded install never loads the
// MongoDB driver and a MongoDB install never opens a SQLite file.

import { join, resolve } from 'node:path';
import type { Store } from './port.ts';

export interface OpenStoreOptions {
  /** Folder of the embedded store's `karvon.db`; unused with MongoDB. */
  dataDir: string;
  /** mongodb:// or mongodb+srv:// URL; empty or absent means the embedded store. */
  mongoUrl?: string | null;
  /** Database name, when the URL does not name one; default "karvon". */
  mongoDbName?: string | null;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.mongoUrl?.trim();
  if (url) {
    const { openMongoStore } = await import('./mongo.ts');
    return openMongoStore({ url, dbName: options.mongoDbName?.trim() || undefined });
  }
  const { openSqliteStore } = await import('./sqlite.ts');
  return openSqliteStore({ file: join(resolve(options.dataDir), 'karvon.db') });
}

/** What the environment asks for: MONGODB_URL (and MONGODB_DB), else KARVON_DATA_DIR (./data). */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenStoreOptions {
  return {
    dataDir: resolve(env.KARVON_DATA_DIR?.trim() || './data'),
    mongoUrl: env.MONGODB_URL?.trim() || null,
    mongoDbName: env.MONGODB_DB?.trim() || null,
  };
}

export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  return openStore(storeOptionsFromEnv(env));
}
