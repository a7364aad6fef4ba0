// The inbox's calls to the HTTP API; the session, errors and request plumbing live in http.ts,
// which the designer shares.
import { enc, json, query, request, type User, type ProcessSummary, type InstanceState, type InstanceSummary, type InstanceDetail, type HistoryEntry } from './http.ts';

export * from './http.ts';

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

export interface TaskPage {
  tasks: Task[];
  /** Pass as `after` for the next page; null after the last. */
  next: string | null;
}

export interface InstancePage {
  instances: InstanceSummary[];
  /** Pass as `after` for the next page; null after the last. */
  next: string | null;
}

export const api = {
  login: (username: string, password: string) =>
    json<{ token: string; user: User }>('POST', '/api/auth/login', { username, password }),
  me: () => json<User>('GET', '/api/me'),
  logout: () => json<unknown>('POST', '/api/auth/logout'),

  tasks: (params: { state?: 'open' | 'completed'; assignee?: string; candidateGroup?: string; processInstanceId?: string } = {}) =>
    json<Task[]>('GET', `/api/tasks${query(params)}`),
  /** One page of open tasks in inbox order, searched and filtered on the server. */
  taskPage: async (params: { assignee?: string; processKey?: string; q?: string; limit: number; after?: string }, signal?: AbortSignal): Promise<TaskPage> => {
    const res = await request('GET', `/api/tasks${query({ ...params, state: 'open', limit: String(params.limit) })}`, undefined, 'application/json', signal);
    return { tasks: (await res.json()) as Task[], next: res.headers.get('X-Next-Cursor') };
  },
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
  /** One page of instances, newest first, filtered on the server. */
  instancePage: async (params: { state?: string; limit: number; after?: string }): Promise<InstancePage> => {
    const res = await request('GET', `/api/process-instances${query({ ...params, order: 'newest', limit: String(params.limit) })}`);
    return { instances: (await res.json()) as InstanceSummary[], next: res.headers.get('X-Next-Cursor') };
  },
  instance: (id: string) => json<InstanceDetail>('GET', `/api/process-instances/${enc(id)}`),
  history: (id: string) => json<HistoryEntry[]>('GET', `/api/process-instances/${enc(id)}/history`),
};
