// A local Bitrix24 portal speaking the documented REST shapes: `/rest/<user>/<token>/<method>.json`
// (inbound webhook) or `/rest/<method>.json` with an OAuth bearer token; `{result, total, next,
// time}` answers; `{error, error_description}` failures; the leaky bucket answering 503
// QUERY_LIMIT_EXCEEDED; an expiring OAuth token.

import { startFake, type FakeRequest, type Reply } from './http-fake.ts';

export type Rec = Record<string, unknown>;

export interface Bitrix24FakeOptions {
  userId?: string;
  webhookToken?: string;
  accessToken?: string;
  /** Server-side bucket; unset = unlimited. */
  bucket?: { size: number; perSecond: number };
}

export class Bitrix24Fake {
  readonly userId: string;
  readonly webhookToken: string;
  accessToken: string;
  url = '';
  companies = new Map<string, Rec>();
  contacts = new Map<string, Rec>();
  deals = new Map<string, Rec>();
  activities = new Map<string, Rec>();
  leads = new Map<string, Rec>();
  products = new Map<string, Rec>();
  /** Deal id → its product rows (crm.deal.productrows.get). */
  productRows = new Map<string, Rec[]>();
  /** Method names in arrival order, with the time they arrived. */
  calls: { method: string; at: number }[] = [];
  /** The next n requests answer QUERY_LIMIT_EXCEEDED whatever the bucket says. */
  limitNext = 0;
  tokenExpired = false;
  private seq = 100;
  private level = 0;
  private levelAt = Date.now();
  private closeServer: () => Promise<void> = async () => {};

  constructor(private readonly options: Bitrix24FakeOptions = {}) {
    this.userId = options.userId ?? '1';
    this.webhookToken = options.webhookToken ?? 'wh0ok-s3cr3t-t0ken';
    this.accessToken = options.accessToken ?? 'oauth-acc3ss-t0ken';
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

  nextId(): string {
    return String(++this.seq);
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  private handle(req: FakeRequest): Reply {
    const hook = /^\/rest\/([0-9]+)\/([^/]+)\/([a-z0-9_.]+)\.json/i.exec(req.path);
    const oauth = /^\/rest\/([a-z0-9_.]+)\.json/i.exec(req.path);
    const method = hook ? hook[3] : oauth ? oauth[1] : '';
    this.calls.push({ method, at: Date.now() });
    if (!hook && !oauth) return { status: 404, body: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' } };
    if (hook && (hook[1] !== this.userId || hook[2] !== this.webhookToken)) {
      return { status: 401, body: { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' } };
    }
    if (!hook) {
      const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (!bearer) return { status: 401, body: { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' } };
      if (bearer[1] !== this.accessToken) return { status: 401, body: { error: 'invalid_token', error_description: 'The access token provided is invalid.' } };
      if (this.tokenExpired) return { status: 401, body: { error: 'expired_token', error_description: 'The access token provided has expired.' } };
    }
    if (this.limitNext > 0 || this.overBucket()) {
      if (this.limitNext > 0) this.limitNext--;
      return { status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } };
    }
    const params = (req.body ?? {}) as Rec;
    try {
      return this.dispatch(method, params);
    } catch (error) {
      if (error instanceof BxFail) return { status: error.status, body: { error: error.code, error_description: error.description } };
      throw error;
    }
  }

  private overBucket(): boolean {
    if (!this.options.bucket) return false;
    const now = Date.now();
    this.level = Math.max(0, this.level - ((now - this.levelAt) / 1000) * this.options.bucket.perSecond);
    this.levelAt = now;
    if (this.level + 1 > this.options.bucket.size) return true;
    this.level += 1;
    return false;
  }

  private ok(result: unknown, extra: Rec = {}): Reply {
    return { status: 200, body: { result, ...extra, time: { start: Date.now() / 1000, finish: Date.now() / 1000, duration: 0.01, processing: 0.005 } } };
  }

  private list(rows: Rec[], params: Rec): Reply {
    const filtered = rows.filter((r) => matches(r, (params.filter ?? {}) as Rec));
    const order = (params.order ?? {}) as Rec;
    if (order.ID === 'DESC') filtered.sort((a, b) => Number(b.ID) - Number(a.ID));
    const start = Number(params.start ?? 0);
    const page = filtered.slice(start, start + 50);
    return this.ok(page, { total: filtered.length, ...(start + 50 < filtered.length ? { next: start + 50 } : {}) });
  }

  private get(map: Map<string, Rec>, params: Rec): Reply {
    const id = String(params.id ?? params.ID ?? '');
    if (id === '' || id === 'undefined') throw new BxFail(400, 'ERROR_ARGUMENT', 'ID is not defined or invalid.');
    const found = map.get(id);
    // The documented answer for a missing CRM record: 400 with an empty code and "Not found".
    if (!found) throw new BxFail(400, '', 'Not found');
    return this.ok(found);
  }

  private dispatch(method: string, params: Rec): Reply {
    const now = new Date().toISOString();
    switch (method) {
      case 'profile':
        return this.ok({ ID: this.userId, ADMIN: true, NAME: 'Integration' });
      case 'crm.company.get':
        return this.get(this.companies, params);
      case 'crm.contact.get':
        return this.get(this.contacts, params);
      case 'crm.deal.get':
        return this.get(this.deals, params);
      case 'crm.lead.get':
        return this.get(this.leads, params);
      case 'crm.activity.get':
        return this.get(this.activities, params);
      case 'crm.company.list':
        return this.list([...this.companies.values()], params);
      case 'crm.contact.list':
        return this.list([...this.contacts.values()], params);
      case 'crm.deal.list':
        return this.list([...this.deals.values()], params);
      case 'crm.activity.list':
        return this.list([...this.activities.values()], params);
      case 'crm.product.list':
        return this.list([...this.products.values()], params);
      case 'crm.deal.productrows.get': {
        if (!this.deals.has(String(params.id))) throw new BxFail(400, '', 'Not found');
        return this.ok(this.productRows.get(String(params.id)) ?? []);
      }
      case 'crm.lead.list':
        return this.list([...this.leads.values()], params);
      case 'crm.deal.update': {
        const deal = this.deals.get(String(params.id));
        if (!deal) throw new BxFail(400, '', 'Not found');
        const fields = (params.fields ?? {}) as Rec;
        Object.assign(deal, fields, { DATE_MODIFY: now });
        if (typeof fields.STAGE_ID === 'string') {
          const bare = fields.STAGE_ID.replace(/^C\d+:/, '');
          deal.STAGE_SEMANTIC_ID = bare === 'WON' ? 'S' : bare === 'LOSE' || bare === 'APOLOGY' ? 'F' : 'P';
          deal.CLOSED = deal.STAGE_SEMANTIC_ID === 'P' ? 'N' : 'Y';
        }
        return this.ok(true);
      }
      case 'crm.activity.add': {
        const fields = (params.fields ?? {}) as Rec;
        if (!fields.SUBJECT || !fields.OWNER_ID) throw new BxFail(400, 'ERROR_ARGUMENT', 'Required fields: SUBJECT, OWNER_ID');
        const id = this.nextId();
        this.activities.set(id, { ...fields, ID: id, CREATED: now, AUTHOR_ID: this.userId });
        return this.ok(Number(id));
      }
      case 'crm.lead.add': {
        const id = this.nextId();
        this.leads.set(id, { ...((params.fields ?? {}) as Rec), ID: id, STATUS_ID: 'NEW', DATE_CREATE: now, DATE_MODIFY: now });
        return this.ok(Number(id));
      }
      case 'crm.timeline.comment.add':
        return this.ok(Number(this.nextId()));
      default:
        throw new BxFail(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
  }
}

class BxFail extends Error {
  constructor(readonly status: number, readonly code: string, readonly description: string) {
    super(description);
  }
}

/** Bitrix24 filter keys: `FIELD` equals, `%FIELD` contains, `!FIELD` differs. */
function matches(row: Rec, filter: Rec): boolean {
  return Object.entries(filter).every(([key, want]) => {
    const prefix = /^[%!]/.exec(key)?.[0] ?? '';
    const field = key.slice(prefix.length);
    const have = row[field];
    if (prefix === '%') return typeof have === 'string' && have.toLowerCase().includes(String(want).toLowerCase());
    if (prefix === '!') return String(have ?? '') !== String(want);
    if (Array.isArray(want)) return want.map(String).includes(String(have));
    return String(have ?? '') === String(want);
  });
}
