// Demo data for the built-in CRM and ERP: enough to run the ship-goods process to each of its three
// outcomes. Fixed ids make it idempotent: running it again adds nothing and changes nothing.

import type { Doc, DocCollection, Store } from '../engine/store/port.ts';
import { crmCollections, type DealDoc } from './crm/model.ts';
import { erpCollections, stockId } from './erp/model.ts';
import { productIdFor } from './erp/service.ts';
import { lineAmountMinor, toMilli, toMinor } from './sdk/decimal.ts';

export interface DemoScenario {
  customerId: string;
  dealId: string;
  items: { sku: string; quantity: number }[];
}

export interface DemoSeedReport {
  /** How many records were added (0 on a second run). */
  inserted: number;
  /** Good address and enough stock: ships. */
  ships: DemoScenario;
  /** Orders more than the warehouse holds: INSUFFICIENT_STOCK. */
  shortOfStock: DemoScenario;
  /** An address that cannot be structured: ADDRESS_INCOMPLETE. */
  incompleteAddress: DemoScenario;
}

interface DemoCustomer {
  id: string;
  kind: 'company' | 'person';
  name: string;
  taxId: string;
  phones: string[];
  emails: string[];
  address: string;
  segment: string;
  owner: string;
  contact: { name: string; position: string; phone: string; email: string };
  deal: { id: string; title: string; stage: DealDoc['stage']; items: { sku: string; quantity: number }[] };
  activity: string;
}

const PRODUCTS: { sku: string; name: string; unit: string; price: number; weight: number; stock: number }[] = [
  { sku: 'PAXTA-IP-30', name: "Paxta ipi 30/1 (cotton yarn)", unit: 'kg', price: 42_000, weight: 1, stock: 500 },
  { sku: 'BOZ-MATO-150', name: "Bo'z mato 150 sm (calico)", unit: 'm', price: 18_500.5, weight: 0.2, stock: 1_200 },
  { sku: 'RISHTON-LAGAN', name: 'Rishton keramika lagan (ceramic platter)', unit: 'pcs', price: 95_000, weight: 1.8, stock: 8 },
  { sku: 'ATLAS-MARGILON', name: "Marg'ilon atlasi (ikat silk)", unit: 'm', price: 150_000, weight: 0.15, stock: 60 },
  { sku: 'PAXTA-YOGI-5L', name: "Paxta yog'i 5 L (cottonseed oil)", unit: 'pcs', price: 120_000, weight: 4.7, stock: 40 },
];

const CUSTOMERS: DemoCustomer[] = [
  {
    id: 'cus_ipak_yoli',
    kind: 'company',
    name: "Ipak Yo'li Savdo MChJ",
    taxId: '305123456',
    phones: ['+998 71 200 12 34'],
    emails: ['savdo@ipakyoli.uz'],
    address: "Toshkent sh., Chilonzor tumani, Bunyodkor ko'chasi 12, 100115",
    segment: 'wholesale',
    owner: 'sales',
    contact: { name: 'Dilnoza Karimova', position: 'Purchasing manager', phone: '+998 90 123 45 67', email: 'dilnoza@ipakyoli.uz' },
    deal: { id: 'deal_ipak_yoli_yarn', title: 'Cotton yarn and calico, spring order', stage: 'proposal', items: [{ sku: 'PAXTA-IP-30', quantity: 120 }, { sku: 'BOZ-MATO-150', quantity: 250.5 }] },
    activity: 'Agreed prices for the spring order by phone',
  },
  {
    id: 'cus_registon_savdo',
    kind: 'company',
    name: 'Registon Savdo Uyi',
    taxId: '306987654',
    phones: ['+998 66 233 45 67'],
    emails: ['info@registon-savdo.uz'],
    address: "Samarqand sh., Registon ko'chasi 4, 140100",
    segment: 'retail',
    owner: 'sales',
    contact: { name: 'Jasur Aliyev', position: 'Director', phone: '+998 93 345 67 89', email: 'jasur@registon-savdo.uz' },
    deal: { id: 'deal_registon_ceramics', title: 'Rishton ceramics for the tourist season', stage: 'proposal', items: [{ sku: 'RISHTON-LAGAN', quantity: 20 }, { sku: 'ATLAS-MARGILON', quantity: 15 }] },
    activity: 'Asked for 20 Rishton platters before the season opens',
  },
  {
    id: 'cus_fargona_baraka',
    kind: 'company',
    name: "Farg'ona Baraka Trade",
    taxId: '307555111',
    phones: ['+998 73 244 00 11'],
    emails: ['baraka.trade@mail.uz'],
    // As a salesperson typed it: a town and a landmark, no street, house or postcode.
    address: "Marg'ilon, bozor yonida",
    segment: 'wholesale',
    owner: 'sales',
    contact: { name: 'Shahnoza Yusupova', position: 'Accountant', phone: '+998 91 555 11 22', email: 'shahnoza@mail.uz' },
    deal: { id: 'deal_fargona_oil', title: 'Cottonseed oil, monthly delivery', stage: 'qualified', items: [{ sku: 'PAXTA-YOGI-5L', quantity: 10 }] },
    activity: 'Met at the Marg\'ilon bazaar; delivery address to be confirmed',
  },
  {
    id: 'cus_ala_too_import',
    kind: 'company',
    name: 'Ala-Too Import OsOO',
    taxId: '02304199910123',
    phones: ['+996 312 62 34 56'],
    emails: ['office@alatoo-import.kg'],
    address: 'Кыргызстан, г. Бишкек, ул. Киевская, 96, 720040',
    segment: 'export',
    owner: 'sales',
    contact: { name: 'Aibek Sadyrov', position: 'Logistics', phone: '+996 555 12 34 56', email: 'aibek@alatoo-import.kg' },
    deal: { id: 'deal_ala_too_silk', title: 'Atlas silk for Bishkek showroom', stage: 'new', items: [{ sku: 'ATLAS-MARGILON', quantity: 30 }] },
    activity: 'Sent the atlas silk catalogue',
  },
];

export async function seedDemoData(store: Pick<Store, 'collection'>, options: { now?: () => number } = {}): Promise<DemoSeedReport> {
  const at = new Date((options.now ?? Date.now)()).toISOString();
  const crm = crmCollections(store);
  const erp = erpCollections(store);
  let inserted = 0;
  const ensure = async <D extends Doc>(collection: DocCollection<D>, doc: Omit<D, 'rev'> & { id: string }) => {
    if (await collection.get(doc.id)) return;
    try {
      await collection.insert(doc);
      inserted++;
    } catch (error) {
      // Another seeding run got there first: same fixed id, same content.
      if (!(await collection.get(doc.id))) throw error;
    }
  };

  await ensure(erp.warehouses, { id: 'wh_main', code: 'main', name: 'Toshkent markaziy ombori', allowNegative: false, isDefault: true });
  await ensure(erp.warehouses, { id: 'wh_samarqand', code: 'samarqand', name: 'Samarqand ombori', allowNegative: false, isDefault: false });
  for (const p of PRODUCTS) {
    const id = productIdFor(p.sku);
    await ensure(erp.products, { id, sku: p.sku, name: p.name, unit: p.unit, priceMinor: toMinor(p.price), currency: 'UZS', weightGrams: toMilli(p.weight), active: true, createdAt: at });
    await ensure(erp.stock, { id: stockId(id, 'wh_main'), productId: id, warehouseId: 'wh_main', sku: p.sku, onHandMilli: toMilli(p.stock), reservedMilli: 0, holds: {}, updatedAt: at });
  }

  const prices = new Map(PRODUCTS.map((p) => [p.sku, p]));
  for (const c of CUSTOMERS) {
    await ensure(crm.customers, {
      id: c.id, kind: c.kind, name: c.name, nameKey: c.name.toLowerCase(), taxId: c.taxId, phones: c.phones, emails: c.emails,
      address: c.address, segment: c.segment, owner: c.owner, createdAt: at, updatedAt: at,
    });
    await ensure(crm.contacts, {
      id: `${c.id}_contact`, customerId: c.id, name: c.contact.name, position: c.contact.position, phones: [c.contact.phone], emails: [c.contact.email], createdAt: at,
    });
    const lineItems = c.deal.items.map((i) => ({ sku: i.sku, name: prices.get(i.sku)!.name, quantityMilli: toMilli(i.quantity), priceMinor: toMinor(prices.get(i.sku)!.price) }));
    await ensure(crm.deals, {
      id: c.deal.id, customerId: c.id, title: c.deal.title, stage: c.deal.stage, lineItems,
      amountMinor: lineItems.reduce((s, li) => s + lineAmountMinor(li.quantityMilli, li.priceMinor), 0),
      currency: 'UZS', owner: c.owner, expectedCloseDate: null, createdAt: at, updatedAt: at, closedAt: null,
    });
    await ensure(crm.activities, {
      id: `${c.id}_activity_1`, customerId: c.id, dealId: c.deal.id, type: 'call', subject: c.activity, body: null, author: c.owner, at,
    });
  }
  // A won deal from last year, so lifetime revenue on the card is not zero.
  await ensure(crm.deals, {
    id: 'deal_ipak_yoli_2025', customerId: 'cus_ipak_yoli', title: 'Autumn calico order 2025', stage: 'won',
    lineItems: [{ sku: 'BOZ-MATO-150', name: prices.get('BOZ-MATO-150')!.name, quantityMilli: toMilli(400), priceMinor: toMinor(18_000) }],
    amountMinor: lineAmountMinor(toMilli(400), toMinor(18_000)), currency: 'UZS', owner: 'sales', expectedCloseDate: null, createdAt: at, updatedAt: at, closedAt: at,
  });

  const scenario = (c: DemoCustomer): DemoScenario => ({ customerId: c.id, dealId: c.deal.id, items: c.deal.items.map((i) => ({ ...i })) });
  return { inserted, ships: scenario(CUSTOMERS[0]), shortOfStock: scenario(CUSTOMERS[1]), incompleteAddress: scenario(CUSTOMERS[2]) };
}
