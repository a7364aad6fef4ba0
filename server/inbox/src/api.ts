// The HTTP API client: one place that attaches the bearer token, turns error bodies into
// ApiError, and sends the user back to sign-in when the token has expired.

export interface User {
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
}

export interface Task {
  id: string;
  name: string;
  elementId: string;
  processInstanceId: string;
  processKey: string;
  businessKey?: string | null;
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  dueDate: string | null;
  followUpDate: string | null;
  priority: number | null;
  createdAt: string;
  formKey: string | null;
  /** Not in the v1 list shape but kept by the store; shown when the server sends them. */
  state?: 'open' | 'completed' | 'canceled';
  completedAt?: string | null;
  completedBy?: string | null;
}

export interface TaskDetail extends Task {
  variables: Record<string, unknown>;
  form?: unknown;
}

export interface ProcessSummary {
  key: string;
  version: number;
  name: string | null;
}

export type InstanceState = 'active' | 'completed' | 'terminated' | 'canceled';

export interface InstanceSummary {
  id: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  state: InstanceState;
  startedAt: string;
  endedAt: string | null;
  startedBy?: string | null;
}

export interface Incident {
  id: string;
  elementId: string;
  type: string;
  message: string;
  createdAt: string;
}

export interface InstanceDetail extends InstanceSummary {
  variables: Record<string, unknown>;
  activeElements: string[];
  incidents: Incident[];
}

export interface HistoryEntry {
  elementId: string;
  elementType: string;
  event: 'activated' | 'completed' | 'terminated' | 'taken';
  at: string;
}

export interface CrmCustomer {
  id: string;
  kind: 'company' | 'person';
  name: string;
  taxId: string | null;
  phones: string[];
  emails: string[];
  address: string | null;
  segment: string | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export type CrmCustomerPatch = Partial<Pick<CrmCustomer, 'name' | 'taxId' | 'phones' | 'emails' | 'address' | 'segment'>>;

export interface ErpProduct {
  id: string;
  sku: string;
  name: string;
  unit: string;
  price: number;
  currency: string;
  weight: number | null;
  active: boolean;
}

export interface ErpStock {
  productId: string;
  sku: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  available: number;
}

export interface ErpWarehouse {
  id: string;
  name?: string;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'karvon.token';
const USER_KEY = 'karvon.user';

let unauthorizedHandler: (() => void) | null = null;

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  get user(): User | null {
    const raw = localStorage.getItem(USER_KEY);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as User;
    } catch {
      return null;
    }
  },
  set(token: string, user: User): void {
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear(): void {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
  },
  onUnauthorized(handler: () => void): void {
    unauthorizedHandler = handler;
  },
};

async function request(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Karvon cannot be reached. Check your connection and try again.');
  }
  if (res.ok) return res;
  let code = `HTTP_${res.status}`;
  let message = res.statusText || 'Request failed';
  let details: unknown[] = [];
  try {
    const parsed = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown[] } };
    if (parsed.error) {
      code = parsed.error.code ?? code;
      message = parsed.error.message ?? message;
      details = Array.isArray(parsed.error.details) ? parsed.error.details : [];
    }
  } catch {
    // A non-JSON error body (a proxy, a crash page): the status line is all we have.
  }
  // A 401 on login itself means wrong credentials, not an expired session.
  if (res.status === 401 && path !== '/api/auth/login') {
    session.clear();
    unauthorizedHandler?.();
  }
  throw new ApiError(res.status, code, message, details);
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  login: (username: string, password: string) =>
    json<{ token: string; user: User }>('POST', '/api/auth/login', { username, password }),
  me: () => json<User>('GET', '/api/me'),
  logout: () => json<unknown>('POST', '/api/auth/logout'),

  tasks: (params: { state?: 'open' | 'completed'; assignee?: string; candidateGroup?: string; processInstanceId?: string } = {}) =>
    json<Task[]>('GET', `/api/tasks${query(params)}`),
  task: (id: string) => json<TaskDetail>('GET', `/api/tasks/${enc(id)}`),
  claim: (id: string) => json<unknown>('POST', `/api/tasks/${enc(id)}/claim`),
  unclaim: (id: string) => json<unknown>('POST', `/api/tasks/${enc(id)}/unclaim`),
  complete: (id: string, variables: Record<string, unknown>) =>
    json<unknown>('POST', `/api/tasks/${enc(id)}/complete`, { variables }),

  processes: () => json<ProcessSummary[]>('GET', '/api/processes'),
  processXml: async (key: string, version?: number) => {
    const res = await request('GET', `/api/processes/${enc(key)}/xml${query({ version: version?.toString() })}`, undefined, 'application/xml');
    return res.text();
  },
  /** A deployed form-js schema by form id or form key. */
  form: (idOrKey: string) => json<unknown>('GET', `/api/forms/${enc(idOrKey)}`),
  startInstance: (body: { processKey: string; version?: number; businessKey?: string; variables?: Record<string, unknown> }) =>
    json<{ id: string; processKey: string; version: number; state: InstanceState }>('POST', '/api/process-instances', body),

  customers: (q?: string) => json<CrmCustomer[]>('GET', `/api/crm/customers${query({ q, limit: '200' })}`),
  customer: (id: string) => json<CrmCustomer>('GET', `/api/crm/customers/${enc(id)}`),
  customerCard: (id: string) => json<Record<string, unknown>>('GET', `/api/crm/customers/${enc(id)}/card`),
  patchCustomer: (id: string, patch: CrmCustomerPatch) => json<CrmCustomer>('PATCH', `/api/crm/customers/${enc(id)}`, patch),

  products: () => json<ErpProduct[]>('GET', '/api/erp/products'),
  warehouses: () => json<ErpWarehouse[]>('GET', '/api/erp/warehouses'),
  stock: () => json<ErpStock[]>('GET', '/api/erp/stock'),
  shipments: (params: { status?: string; customerRef?: string } = {}) =>
    json<Array<Record<string, unknown>>>('GET', `/api/erp/shipments${query({ ...params, limit: '200' })}`),

  instances: (params: { processKey?: string; state?: string; businessKey?: string } = {}) =>
    json<InstanceSummary[]>('GET', `/api/process-instances${query(params)}`),
  instance: (id: string) => json<InstanceDetail>('GET', `/api/process-instances/${enc(id)}`),
  history: (id: string) => json<HistoryEntry[]>('GET', `/api/process-instances/${enc(id)}/history`),
};
