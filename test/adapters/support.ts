// Shared test setup: the real embedded store in a temp folder, a manual clock, and job builders.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../engine/clock.ts';
import type { InProcessJob } from '../../engine/ports.ts';
import type { Store } from '../../engine/store/port.ts';
import { openSqliteStore } from '../../engine/store/sqlite.ts';
import type { Variables } from '../../engine/types.ts';

export interface TestStore {
  store: Store;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(path.join(tmpdir(), 'karvon-adapters-'));
  const store = await openSqliteStore({ file: path.join(dir, 'karvon.db') });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const START = Date.parse('2026-03-02T09:00:00.000Z');

export function testClock(): ManualClock {
  return new ManualClock(START);
}

let seq = 0;
export function job(type: string, variables: Variables, overrides: Partial<InProcessJob> = {}): InProcessJob {
  seq++;
  return {
    key: `job-${seq}`,
    type,
    processInstanceId: 'pi-1',
    processKey: 'ship-goods',
    elementId: 'Task_Under_Test',
    retries: 3,
    attempt: 1,
    variables,
    customHeaders: {},
    idempotencyKey: `idem-${seq}`,
    signal: new AbortController().signal,
    ...overrides,
  };
}
