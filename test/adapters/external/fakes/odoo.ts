// A local Odoo speaking both external APIs: JSON-2 (`POST /json/2/<model>/<method>`, bearer API key,
// named arguments, errors as `{name, message, arguments, context, debug}` with a 4xx/5xx status)
// and `/jsonrpc` (`call` → `object.execute_kw`, errors in the JSON-RPC `error` member). Enough of
// res.partner, product.product, stock.quant, stock.picking/move and account.move to ship goods.
// Modes: 429 with Retry-After, and a connection reset after a create has been executed.

import { startFake, type FakeRequest, type Reply } from './http-fake.ts';

export type Rec = Record<string, unknown>;
type Domain = unknown[];

/** Fields that hold a many2one id and read as `[id, display_name]`. */
const M2O: Readonly<Record<string, string>> = {
  partner_id: 'res.partner', product_id: 'product.product', uom_id: 'uom.uom', product_uom: 'uom.uom', country_id: 'res.country',
  state_id: 'res.country.state', currency_id: 'res.currency', location_id: 'stock.location', location_dest_id: 'stock.location',
  picking_type_id: 'stock.picking.type', picking_id: 'stock.picking', move_id: 'account.move',
};

export interface OdooFakeOptions {
  apiKey?: string;
  database?: string;
  uid?: number;
}

export class OdooFake {
  readonly apiKey: string;
  readonly database: string;
  readonly uid: number;
  url = '';
  readonly models = new Map<string, Map<number, Rec>>();
  /** `model.method` in arrival order. */
  calls: string[] = [];
  /** The next n requests answer 429. */
  limitNext = 0;
  retryAfterSeconds = 1;
  /** Reset the connection after executing the next create on this model. */
  resetAfterCreate: string | null = null;
  /** What `res.partner.fields_get` reports; drop one to simulate a customisation removing it. */
  partnerFields = ['name', 'ref', 'vat', 'is_company', 'phone', 'email', 'street', 'street2', 'city', 'zip', 'state_id', 'country_id', 'comment', 'property_payment_term_id'];
  private seq = 1000;
  private closeServer: () => Promise<void> = async () => {};

  constructor(options: OdooFakeOptions = {}) {
    this.apiKey = options.apiKey ?? 'odoo-ap1-k3y-s3cr3t';
    this.database = options.database ?? 'karvon';
    this.uid = options.uid ?? 2;
    this.insert('res.country', { id: 1, code: 'UZ', name: 'Uzbekistan' });
    this.insert('res.country', { id: 2, code: 'KG', name: 'Kyrgyzstan' });
    this.insert('res.country', { id: 3, code: 'SI', name: 'Slovenia' });
    this.insert('res.country', { id: 4, code: 'RU', name: 'Russia' });
    this.insert('uom.uom', { id: 1, name: 'Units' });
    this.insert('res.currency', { id: 1, name: 'UZS' });
    this.insert('stock.location', { id: 8, name: 'WH/Stock' });
    this.insert('stock.location', { id: 5, name: 'Partners/Customers' });
    this.insert('stock.picking.type', { id: 2, name: 'Delivery Orders' });
  }

  async start(): Promise<this> {
    const started = await startFake((req) => this.handle(req));
    this.url = started.url;
    this.closeServer = started.close;
    return this;
  }

  close(): Promise<void> {
    return this.closeServer();
  }

  table(model: string): Map<number, Rec> {
    let t = this.models.get(model);
    if (!t) this.models.set(model, (t = new Map()));
    return t;
  }

  insert(model: string, values: Rec): number {
    const id = typeof values.id === 'number' ? values.id : ++this.seq;
    this.table(model).set(id, { ...values, id });
    return id;
  }

  /** Adds a product with stock on hand in WH/Stock. */
  product(sku: string, name: string, onHand: number, price = 1000): number {
    const id = this.insert('product.product', { default_code: sku, name, uom_id: 1, lst_price: price });
    this.insert('stock.quant', { product_id: id, location_id: 8, quantity: onHand, reserved_quantity: 0 });
    return id;
  }

  addStock(sku: string, delta: number): void {
    const product = [...this.table('product.product').values()].find((p) => p.default_code === sku)!;
    const quant = [...this.table('stock.quant').values()].find((q) => q.product_id === product.id)!;
    quant.quantity = Number(quant.quantity) + delta;
  }

  records(model: string, domain: Domain = []): Rec[] {
    return [...this.table(model).values()].filter((r) => matchDomain(r, domain));
  }

  private handle(req: FakeRequest): Reply {
    const json2 = /^\/json\/2\/([a-z0-9_.]+)\/([a-z0-9_]+)$/i.exec(req.path);
    if (json2) {
      const auth = /^bearer (.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (!auth || auth[1] !== this.apiKey) return { status: 401, body: odooError('werkzeug.exceptions.Unauthorized', 'Invalid apikey') };
      if (this.limitNext > 0) {
        this.limitNext--;
        return { status: 429, headers: { 'retry-after': String(this.retryAfterSeconds) }, body: odooError('werkzeug.exceptions.TooManyRequests', 'Too many requests') };
      }
      const named = { ...((req.body ?? {}) as Rec) };
      const ids = Array.isArray(named.ids) ? (named.ids as number[]) : undefined;
      delete named.ids;
      return this.run(json2[1], json2[2], ids, named, (status, name, message) => ({ status, body: odooError(name, message) }), (result) => ({ status: 200, body: result }));
    }
    if (req.path === '/jsonrpc') {
      const rpc = (req.body ?? {}) as { id?: unknown; params?: { service?: string; method?: string; args?: unknown[] } };
      const wrapError = (name: string, message: string): Reply => ({ status: 200, body: { jsonrpc: '2.0', id: rpc.id ?? null, error: { code: 200, message: 'Odoo Server Error', data: { name, message, arguments: [message], debug: '' } } } });
      const args = rpc.params?.args ?? [];
      if (rpc.params?.service !== 'object' || rpc.params.method !== 'execute_kw') return wrapError('werkzeug.exceptions.BadRequest', 'only object.execute_kw is served here');
      const [db, uid, password, model, method, positional, kwargs] = args as [string, number, string, string, string, unknown[], Rec];
      if (db !== this.database || uid !== this.uid || password !== this.apiKey) return wrapError('odoo.exceptions.AccessDenied', 'Access Denied');
      if (this.limitNext > 0) {
        this.limitNext--;
        return { status: 429, headers: { 'retry-after': String(this.retryAfterSeconds) }, body: { error: 'Too many requests' } };
      }
      const ids = Array.isArray(positional) && Array.isArray(positional[0]) ? (positional[0] as number[]) : undefined;
      return this.run(model, method, ids, kwargs ?? {}, (_status, name, message) => wrapError(name, message), (result) => ({ status: 200, body: { jsonrpc: '2.0', id: rpc.id ?? null, result } }));
    }
    return { status: 404, body: odooError('werkzeug.exceptions.NotFound', 'Not Found') };
  }

  private run(model: string, method: string, ids: number[] | undefined, args: Rec, fail: (status: number, name: string, message: string) => Reply, ok: (result: unknown) => Reply): Reply {
    this.calls.push(`${model}.${method}`);
    const known = new Set(['res.partner', 'res.country', 'product.product', 'stock.quant', 'stock.picking', 'stock.move', 'account.move', 'account.move.line', 'uom.uom', 'res.currency']);
    if (!known.has(model)) return fail(404, 'werkzeug.exceptions.NotFound', `Model ${model} not found`);
    try {
      const result = this.execute(model, method, ids ?? [], args);
      if (method === 'create' && this.resetAfterCreate === model) {
        this.resetAfterCreate = null;
        return 'reset';
      }
      return ok(result);
    } catch (error) {
      if (error instanceof OdooFail) return fail(error.status, error.name, error.message);
      throw error;
    }
  }

  private execute(model: string, method: string, ids: number[], args: Rec): unknown {
    const table = this.table(model);
    switch (method) {
      case 'search_read': {
        const rows = this.records(model, (args.domain ?? []) as Domain);
        const limited = typeof args.limit === 'number' ? rows.slice(0, args.limit) : rows;
        return limited.map((r) => this.view(r, args.fields as string[] | undefined));
      }
      case 'search_count':
        return this.records(model, (args.domain ?? []) as Domain).length;
      case 'read':
        return ids.map((id) => {
          const row = table.get(id);
          if (!row) throw new OdooFail(404, 'odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: ${model}(${id},), User: ${this.uid})`);
          return this.view(row, args.fields as string[] | undefined);
        });
      case 'fields_get':
        return Object.fromEntries(this.partnerFields.map((f) => [f, { type: 'char' }]));
      case 'create': {
        const list = (args.vals_list ?? (args.vals ? [args.vals] : [])) as Rec[];
        return list.map((vals) => this.create(model, vals));
      }
      case 'write':
        for (const id of ids) {
          const row = table.get(id);
          if (!row) throw new OdooFail(404, 'odoo.exceptions.MissingError', 'Record does not exist or has been deleted.');
          Object.assign(row, args.vals as Rec, { write_date: odooNow() });
        }
        return true;
      case 'action_confirm':
        for (const id of ids) {
          const picking = table.get(id)!;
          if (picking.state === 'draft') picking.state = 'confirmed';
        }
        return true;
      case 'action_assign':
        for (const id of ids) this.assign(table.get(id)!);
        return true;
      case 'action_cancel':
        for (const id of ids) this.cancel(table.get(id)!);
        return true;
      case 'action_post':
        for (const id of ids) {
          const move = table.get(id)!;
          move.state = 'posted';
          move.name = `INV/2026/${String(id).padStart(5, '0')}`;
        }
        return true;
      default:
        throw new OdooFail(404, 'werkzeug.exceptions.NotFound', `The method ${method} does not exist on ${model}`);
    }
  }

  private create(model: string, vals: Rec): number {
    if (model === 'res.partner' && !vals.name) throw new OdooFail(422, 'odoo.exceptions.ValidationError', 'A contact needs a name');
    const base: Rec = { ...vals, create_date: odooNow(), write_date: odooNow() };
    delete base.move_ids;
    delete base.invoice_line_ids;
    if (model === 'stock.picking') Object.assign(base, { state: 'draft', name: `WH/OUT/${String(this.seq + 1).padStart(5, '0')}` });
    if (model === 'stock.move') Object.assign(base, { state: 'draft', quantity: 0 });
    if (model === 'account.move') Object.assign(base, { state: 'draft', payment_state: 'not_paid', name: '/', currency_id: 1 });
    const id = this.insert(model, base);
    const row = this.table(model).get(id)!;
    if (model === 'stock.picking') {
      row.move_ids = ((vals.move_ids ?? []) as [number, number, Rec][]).map(([, , v]) => this.create('stock.move', { ...v, picking_id: id }));
    }
    if (model === 'account.move') {
      const lines = ((vals.invoice_line_ids ?? []) as [number, number, Rec][]).map(([, , v]) => this.create('account.move.line', { ...v, move_id: id, price_subtotal: Number(v.quantity) * Number(v.price_unit) }));
      row.invoice_line_ids = lines;
      row.amount_total = lines.reduce((s, l) => s + Number(this.table('account.move.line').get(l)!.price_subtotal), 0);
    }
    return id;
  }

  /** Reserves each move in full or not at all, like Odoo's default reservation. */
  private assign(picking: Rec): void {
    let all = true;
    for (const moveId of picking.move_ids as number[]) {
      const move = this.table('stock.move').get(moveId)!;
      if (move.state === 'assigned') continue;
      const quant = [...this.table('stock.quant').values()].find((q) => q.product_id === move.product_id && q.location_id === 8);
      const free = quant ? Number(quant.quantity) - Number(quant.reserved_quantity) : 0;
      const want = Number(move.product_uom_qty);
      if (quant && free >= want) {
        quant.reserved_quantity = Number(quant.reserved_quantity) + want;
        Object.assign(move, { quantity: want, state: 'assigned' });
      } else {
        move.state = 'confirmed';
        all = false;
      }
    }
    picking.state = all ? 'assigned' : 'confirmed';
    picking.write_date = odooNow();
  }

  private cancel(picking: Rec): void {
    for (const moveId of picking.move_ids as number[]) {
      const move = this.table('stock.move').get(moveId)!;
      if (move.state === 'assigned') {
        const quant = [...this.table('stock.quant').values()].find((q) => q.product_id === move.product_id && q.location_id === 8)!;
        quant.reserved_quantity = Number(quant.reserved_quantity) - Number(move.quantity);
      }
      Object.assign(move, { state: 'cancel', quantity: 0 });
    }
    picking.state = 'cancel';
  }

  private view(row: Rec, fields?: string[]): Rec {
    const keys = fields && fields.length > 0 ? fields : Object.keys(row);
    const out: Rec = {};
    for (const key of keys) {
      const value = row[key];
      if (M2O[key] !== undefined) {
        const target = typeof value === 'number' ? this.table(M2O[key]).get(value) : undefined;
        out[key] = target ? [value, String(target.name ?? target.code ?? value)] : false;
      } else out[key] = value === undefined || value === null ? false : value;
    }
    return out;
  }
}

class OdooFail extends Error {
  constructor(readonly status: number, override readonly name: string, message: string) {
    super(message);
  }
}

function odooError(name: string, message: string): Rec {
  return { name, message, arguments: [message], context: {}, debug: `Traceback (most recent call last):\n  ...\n${name}: ${message}` };
}

function odooNow(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}

/** Conjunctions of `[field, operator, value]` leaves; `child_of` is equality on this flat fake. */
function matchDomain(row: Rec, domain: Domain): boolean {
  return domain.every((leaf) => {
    if (!Array.isArray(leaf)) return true;
    const [field, op, value] = leaf as [string, string, unknown];
    const have = row[field];
    switch (op) {
      case '=':
      case 'child_of':
        return have === value || (value === false && (have === undefined || have === null || have === false));
      case '!=':
        return have !== value;
      case 'in':
        return Array.isArray(value) && value.includes(have);
      case 'not in':
        return Array.isArray(value) && !value.includes(have);
      case 'ilike':
        return typeof have === 'string' && have.toLowerCase().includes(String(value).toLowerCase());
      default:
        return false;
    }
  });
}
