// The ERP as the soak run sees it: the built-in one (inside the server, read over its REST API) or
// the Odoo fake (inside the runner, behind the fault proxy, so it outlives every kill). Seeding puts
// the soak's products on hand; the checks read shipments per deal and stock per SKU.

import type { Api } from './api.ts';
import type { OdooFake, Rec } from '../test/adapters/external/fakes/odoo.ts';

export interface SoakProduct {
  sku: string;
  name: string;
  onHand: number;
}

export interface ShipmentFact {
  id: string;
  dealId: string | null;
  status: string;
  /** Reserved quantity per SKU. */
  reserved: Record<string, number>;
}

export interface StockFact {
  onHand: number;
  reserved: number;
}

export interface SoakErp {
  readonly kind: 'built-in' | 'odoo';
  seed(products: readonly SoakProduct[]): Promise<void>;
  /** Shipments (not drafts, not canceled) for these deals. */
  shipments(dealIds: readonly string[]): Promise<ShipmentFact[]>;
  stock(sku: string): Promise<StockFact>;
}

interface ShipmentView {
  id: string;
  status: string;
  dealId: string | null;
  lines: { sku: string; reserved: number }[];
}

export class BuiltInErp implements SoakErp {
  readonly kind = 'built-in';

  constructor(private readonly api: Pick<Api, 'expect'>) {}

  async seed(products: readonly SoakProduct[]): Promise<void> {
    for (const p of products) {
      await this.api.expect([201, 409], 'admin', 'POST', '/api/erp/products', { sku: p.sku, name: p.name, unit: 'pcs', price: 1000 });
      await this.api.expect(200, 'admin', 'POST', '/api/erp/stock/adjust', { sku: p.sku, warehouseId: 'wh_main', set: p.onHand, reason: 'soak seed' });
    }
  }

  async shipments(dealIds: readonly string[]): Promise<ShipmentFact[]> {
    const facts: ShipmentFact[] = [];
    for (const dealId of dealIds) {
      const list = await this.api.expect<ShipmentView[]>(200, 'admin', 'GET', `/api/erp/shipments?dealId=${encodeURIComponent(dealId)}&limit=500`);
      for (const s of list) {
        if (s.status === 'canceled') continue;
        facts.push({ id: s.id, dealId: s.dealId, status: s.status, reserved: Object.fromEntries(s.lines.map((l) => [l.sku, l.reserved])) });
      }
    }
    return facts;
  }

  async stock(sku: string): Promise<StockFact> {
    const products = await this.api.expect<{ id: string; sku: string }[]>(200, 'admin', 'GET', '/api/erp/products');
    const product = products.find((p) => p.sku === sku);
    if (!product) throw new Error(`the ERP has no product ${sku}`);
    const [line] = await this.api.expect<{ onHand: number; reserved: number }[]>(200, 'admin', 'GET', `/api/erp/stock?productId=${encodeURIComponent(product.id)}&warehouseId=wh_main`);
    if (!line) throw new Error(`the ERP has no stock line for ${sku}`);
    return { onHand: line.onHand, reserved: line.reserved };
  }
}

const DEAL_NOTE = /Karvon deal: ([^\s<]+)/;

export class OdooErp implements SoakErp {
  readonly kind = 'odoo';

  constructor(private readonly odoo: OdooFake) {}

  async seed(products: readonly SoakProduct[]): Promise<void> {
    for (const p of products) this.odoo.product(p.sku, p.name, p.onHand);
  }

  async shipments(dealIds: readonly string[]): Promise<ShipmentFact[]> {
    const wanted = new Set(dealIds);
    const facts: ShipmentFact[] = [];
    for (const picking of this.odoo.records('stock.picking', [['state', '!=', 'cancel']])) {
      const note = typeof picking.note === 'string' ? DEAL_NOTE.exec(picking.note) : null;
      const dealId = note ? note[1]! : null;
      if (dealId === null || !wanted.has(dealId)) continue;
      const reserved: Record<string, number> = {};
      for (const moveId of (picking.move_ids ?? []) as number[]) {
        const move = this.odoo.table('stock.move').get(moveId) as Rec;
        const sku = String(this.odoo.table('product.product').get(move.product_id as number)?.default_code);
        reserved[sku] = (reserved[sku] ?? 0) + (move.state === 'assigned' ? Number(move.quantity) : 0);
      }
      facts.push({ id: String(picking.id), dealId, status: String(picking.state), reserved });
    }
    return facts;
  }

  async stock(sku: string): Promise<StockFact> {
    const product = this.odoo.records('product.product', [['default_code', '=', sku]])[0];
    if (!product) throw new Error(`the Odoo fake has no product ${sku}`);
    const quant = this.odoo.records('stock.quant', [['product_id', '=', product.id]])[0]!;
    return { onHand: Number(quant.quantity), reserved: Number(quant.reserved_quantity) };
  }
}
