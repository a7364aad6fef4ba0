// The HTTP API client of the designer. The token lives under the same localStorage keys as the
// inbox's: both apps are served from one origin, so signing in to one signs in to the other.

export interface User {
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
}

export interface ProcessSummary {
  key: string;
  version: number;
  name: string | null;
}

export interface ProcessVersion {
  version: number;
  name: string | null;
  deployedAt: string;
  deployedBy: string | null;
  deploymentId: string;
}

export interface ProcessDetail extends ProcessSummary {
  versions: ProcessVersion[];
}

export interface Deployment {
  deploymentId: string;
  processes: ProcessSummary[];
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
}

export interface Incident {
  id: string;
  processInstanceId: string;
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

/** One entry of an error's `details`: the engine names the element it rejects. */
export interface ErrorDetail {
  path?: string;
  elementId?: string;
  elementType?: string;
  message?: string;
  line?: number;
  column?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
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
  hasRole(...roles: string[]): boolean {
    const user = this.user;
    return !!user && user.roles.some((r) => roles.includes(r));
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
  let details: ErrorDetail[] = [];
  try {
    const parsed = (await res.json()) as { error?: { code?: string; message?: string; details?: ErrorDetail[] } };
    if (parsed.error) {
      code = parsed.error.code ?? code;
      message = parsed.error.message ?? message;
      details = Array.isArray(parsed.error.details) ? parsed.error.details : [];
    }
  } catch {
    // A non-JSON error body (a proxy, a crash page): the status line is all we have.
  }
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
  login: (username: string, password: string) => json<{ token: string; user: User }>('POST', '/api/auth/login', { username, password }),
  me: () => json<User>('GET', '/api/me'),
  logout: () => json<unknown>('POST', '/api/auth/logout'),

  processes: () => json<ProcessSummary[]>('GET', '/api/processes'),
  process: (key: string) => json<ProcessDetail>('GET', `/api/processes/${enc(key)}`),
  processXml: async (key: string, version?: number) => {
    const res = await request('GET', `/api/processes/${enc(key)}/xml${query({ version: version?.toString() })}`, undefined, 'application/xml');
    return res.text();
  },
  deploy: async (resources: Array<{ name: string; content: string }>) => {
    const res = await request('POST', '/api/deployments', { resources });
    return { created: res.status === 201, ...((await res.json()) as Deployment) };
  },
  elementTemplates: () => json<unknown[]>('GET', '/api/element-templates'),
  form: (id: string) => json<unknown>('GET', `/api/forms/${enc(id)}`),

  startInstance: (body: { processKey: string; version?: number; businessKey?: string; variables?: Record<string, unknown> }) =>
    json<{ id: string; processKey: string; version: number; state: InstanceState }>('POST', '/api/process-instances', body),
  instances: (params: { processKey?: string; state?: string } = {}) => json<InstanceSummary[]>('GET', `/api/process-instances${query(params)}`),
  instance: (id: string) => json<InstanceDetail>('GET', `/api/process-instances/${enc(id)}`),
  history: (id: string) => json<HistoryEntry[]>('GET', `/api/process-instances/${enc(id)}/history`),

  incidents: (params: { state?: string; processInstanceId?: string } = {}) => json<Incident[]>('GET', `/api/incidents${query(params)}`),
  resolveIncident: (id: string) => json<unknown>('POST', `/api/incidents/${enc(id)}/resolve`),
};
