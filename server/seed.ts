// What a new store starts with: the admin account, and in demo mode the demo users and every
// diagram under processes/. Returns the passwords to print; nothing here logs a secret.

import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { seedDemoData } from '../adapters/index.ts';
import type { Store } from '../engine/store/port.ts';
import { KarvonError } from '../engine/errors.ts';
import type { ServerConfig } from './config.ts';
import type { EngineFacade } from './engine-facade.ts';
import type { Role } from './http/route.ts';
import type { IdentityService } from './identity/service.ts';

export const DEMO_PASSWORD = 'karvon-demo';

export const DEMO_USERS: { username: string; displayName: string; roles: Role[]; groups: string[] }[] = [
  { username: 'anna', displayName: 'Anna Karimova', roles: ['analyst'], groups: [] },
  { username: 'aziz', displayName: 'Aziz Rakhimov', roles: ['employee'], groups: ['sales'] },
  { username: 'dilnoza', displayName: 'Dilnoza Yusupova', roles: ['employee'], groups: ['sales'] },
  { username: 'timur', displayName: 'Timur Saidov', roles: ['employee'], groups: ['warehouse'] },
  { username: 'dev', displayName: 'Dev Developer', roles: ['developer'], groups: [] },
];

export interface SeedReport {
  /** Set when this start created the admin account. */
  admin: { password: string; generated: boolean } | null;
  demoUsers: { username: string; password: string; roles: Role[]; groups: string[] }[];
  deployed: { folder: string; processes: string[] }[];
  /** Records added to the built-in CRM and ERP (0 when they were there already). */
  demoRecords: number;
}

export async function seed(
  identity: IdentityService,
  engine: EngineFacade,
  store: Store,
  config: ServerConfig,
  logger: Logger,
): Promise<SeedReport> {
  const report: SeedReport = { admin: null, demoUsers: [], deployed: [], demoRecords: 0 };
  const isNewStore = (await identity.countUsers()) === 0;
  if (isNewStore) {
    const generated = config.adminPassword === null;
    const password = config.adminPassword ?? randomBytes(12).toString('base64url');
    await identity.createUser({ username: 'admin', password, displayName: 'Administrator', roles: ['admin'], groups: [] });
    report.admin = { password, generated };
    logger.info({ username: 'admin', generatedPassword: generated }, 'created the admin account');
  }
  if (!config.demo) return report;

  if (isNewStore) {
    for (const u of DEMO_USERS) {
      await identity.createUser({ ...u, password: DEMO_PASSWORD });
      report.demoUsers.push({ username: u.username, password: DEMO_PASSWORD, roles: u.roles, groups: u.groups });
    }
    logger.info({ users: DEMO_USERS.map((u) => u.username) }, 'created the demo users');
    // Customers, deals, products and stock for the built-in CRM and ERP (idempotent by fixed ids).
    report.demoRecords = (await seedDemoData(store)).inserted;
  }
  // Deploying is idempotent (an unchanged diagram keeps its version), so every demo start does it:
  // a diagram edited under processes/ becomes the next version on restart.
  report.deployed = await deployFolder(engine, config.processesDir, logger);
  return report;
}

/** One deployment per folder, so a diagram ships with the forms beside it. */
async function deployFolder(engine: EngineFacade, root: string, logger: Logger): Promise<SeedReport['deployed']> {
  const groups = new Map<string, { name: string; content: string }[]>();
  await collect(root, root, groups);
  const deployed: SeedReport['deployed'] = [];
  for (const [folder, resources] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    if (!resources.some((r) => r.name.endsWith('.bpmn'))) continue;
    try {
      const result = await engine.deploy(resources, { deployedBy: 'anna' });
      deployed.push({ folder, processes: result.processes.map((p) => `${p.key} v${p.version}`) });
    } catch (err) {
      // One broken demo diagram must not keep the server from starting; say exactly why.
      const details = err instanceof KarvonError ? err.details : [];
      logger.warn({ folder, error: (err as Error).message, details }, 'demo deployment failed');
    }
  }
  return deployed;
}

async function collect(root: string, dir: string, groups: Map<string, { name: string; content: string }[]>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // no processes/ folder: nothing to deploy
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) await collect(root, full, groups);
    } else if (/\.(bpmn|form)$/i.test(entry.name)) {
      const folder = path.relative(root, dir) || '.';
      const list = groups.get(folder) ?? [];
      list.push({ name: entry.name, content: await readFile(full, 'utf8') });
      groups.set(folder, list);
    }
  }
}
