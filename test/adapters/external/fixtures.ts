// Shared setup for the external-adapter tests: the fakes filled with the same three customers as
// the demo data (ships, short of stock, incomplete address), and the real adapter runtime
// (AdapterJobHandler) bound to connections that point at them, with its log captured.

import { AdapterJobHandler } from '../../../adapters/runtime/handler.ts';
import { resolveConnections, type ConnectionSpec } from '../../../adapters/runtime/connections.ts';
import { AdapterRegistry } from '../../../adapters/runtime/registry.ts';
import { bitrix24Adapter } from '../../../adapters/bitrix24/adapter.ts';
import { odooAdapter } from '../../../adapters/odoo/adapter.ts';
import type { Bitrix24Fake } from './fakes/bitrix24.ts';
import type { OdooFake } from './fakes/odoo.ts';

export interface CapturedLog {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export const SCENARIO = {
  ships: { customerId: 'company-1', dealId: '11', items: [{ sku: 'PAXTA-IP-30', quantity: 120 }, { sku: 'BOZ-MATO-150', quantity: 250.5 }] },
  shortOfStock: { customerId: 'company-2', dealId: '12', items: [{ sku: 'RISHTON-LAGAN', quantity: 20 }, { sku: 'ATLAS-MARGILON', quantity: 15 }] },
  incompleteAddress: { customerId: 'company-3', dealId: '13', items: [{ sku: 'PAXTA-YOGI-5L', quantity: 10 }] },
} as const;

const at = '2026-02-01T09:00:00+05:00';

export function seedBitrix(fake: Bitrix24Fake): void {
  const company = (id: string, title: string, taxId: string, address: Record<string, string>, extra: Record<string, unknown> = {}) =>
    fake.companies.set(id, {
      ID: id, TITLE: title, COMPANY_TYPE: 'CUSTOMER', INDUSTRY: 'TRADE', UF_CRM_TAX_ID: taxId, ASSIGNED_BY_ID: '1', DATE_CREATE: at, DATE_MODIFY: at,
      PHONE: [{ ID: '1', VALUE: '+998 90 123 45 67', VALUE_TYPE: 'WORK' }], EMAIL: [{ ID: '2', VALUE: `info@c${id}.uz`, VALUE_TYPE: 'WORK' }],
      ...address, ...extra,
    });
  company('1', "Ipak Yo'li Savdo MChJ", '305123456', { ADDRESS: "Bunyodkor ko'chasi 12", ADDRESS_2: 'Chilonzor tumani', ADDRESS_CITY: 'Toshkent sh.', ADDRESS_POSTAL_CODE: '100115' });
  company('2', 'Registon Savdo Uyi', '306987654', { ADDRESS: "Registon ko'chasi 4", ADDRESS_CITY: 'Samarqand sh.', ADDRESS_POSTAL_CODE: '140100' });
  company('3', "Farg'ona Baraka Trade", '307555111', { ADDRESS: "Marg'ilon, bozor yonida" });
  fake.contacts.set('21', { ID: '21', NAME: 'Dilnoza', LAST_NAME: 'Karimova', POST: 'Purchasing manager', COMPANY_ID: '1', PHONE: [{ VALUE: '+998 90 111 22 33' }], EMAIL: [] });
  const deal = (id: string, companyId: string, title: string, stage: string, amount: number) =>
    fake.deals.set(id, { ID: id, TITLE: title, COMPANY_ID: companyId, CONTACT_ID: '0', STAGE_ID: stage, STAGE_SEMANTIC_ID: stage === 'WON' ? 'S' : 'P', CLOSED: stage === 'WON' ? 'Y' : 'N', OPPORTUNITY: String(amount), CURRENCY_ID: 'UZS', ASSIGNED_BY_ID: '1', DATE_CREATE: at, DATE_MODIFY: at, CLOSEDATE: '2026-04-01T00:00:00+05:00' });
  deal('11', '1', 'Cotton yarn and calico, spring order', 'PREPAYMENT_INVOICE', 9_674_250);
  deal('12', '2', 'Rishton ceramics for the tourist season', 'PREPAYMENT_INVOICE', 4_150_000);
  deal('13', '3', 'Cottonseed oil, monthly delivery', 'PREPARATION', 1_200_000);
  deal('9', '1', 'Last year\'s calico', 'WON', 7_200_000);
  fake.activities.set('31', { ID: '31', OWNER_TYPE_ID: '4', OWNER_ID: '1', TYPE_ID: '2', SUBJECT: 'Call about the spring order', DESCRIPTION: '', AUTHOR_ID: '1', CREATED: at });
}

export function seedOdoo(fake: OdooFake): void {
  fake.product('PAXTA-IP-30', 'Paxta ipi 30/1 (cotton yarn)', 500, 42_000);
  fake.product('BOZ-MATO-150', "Bo'z mato 150 sm (calico)", 1_200, 18_500.5);
  fake.product('RISHTON-LAGAN', 'Rishton keramika lagan (ceramic platter)', 8, 95_000);
  fake.product('ATLAS-MARGILON', "Marg'ilon atlasi (ikat silk)", 60, 150_000);
  fake.product('PAXTA-YOGI-5L', "Paxta yog'i 5 L (cottonseed oil)", 40, 120_000);
}

export function bitrixSpec(fake: Bitrix24Fake, auth: 'webhook' | 'oauth' = 'webhook', extra: Record<string, number> = {}): ConnectionSpec {
  const credentials: Record<string, string> = auth === 'webhook' ? { webhookUserId: fake.userId, webhookToken: fake.webhookToken } : { accessToken: fake.accessToken };
  // A fast bucket keeps the suite quick; the rate-limit test sets its own.
  return { adapter: 'bitrix24', config: { portalUrl: fake.url, ...credentials, requestsPerSecond: 1000, burst: 1000, ...extra }, limits: { timeoutMs: 5_000 } };
}

export function odooSpec(fake: OdooFake, protocol: 'json2' | 'jsonrpc' = 'json2'): ConnectionSpec {
  return { adapter: 'odoo', config: { url: fake.url, protocol, apiKey: fake.apiKey, database: fake.database, uid: fake.uid }, limits: { timeoutMs: 5_000 } };
}

export function runtimeFor(specs: Record<string, ConnectionSpec>): { handler: AdapterJobHandler; logs: CapturedLog[] } {
  const registry = new AdapterRegistry();
  registry.register(bitrix24Adapter);
  registry.register(odooAdapter);
  const logs: CapturedLog[] = [];
  const handler = new AdapterJobHandler({
    connections: resolveConnections(specs, registry.all()),
    random: () => 0.5,
    log: (level, message, fields) => logs.push({ level, message, fields }),
  });
  return { handler, logs };
}
