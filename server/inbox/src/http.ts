// The HTTP core both web apps share: the bearer token in localStorage (one origin, so signing in
// to the inbox signs in to the designer too), error bodies turned into ApiError, and the way back
// to sign-in when a token has expired. Each app's api.ts lists the calls it makes.

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

/**
 * `signal` cancels a read whose answer is no longer wanted; the caller then gets the abort error
 * itself, never an ApiError, so that a cancelled read is not reported as a network problem.
 */
export async function request(method: string, path: string, body?: unknown, accept = 'application/json', signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if (signal?.aborted) throw err;
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
  // A 401 on login itself means wrong credentials, not an expired session.
  if (res.status === 401 && path !== '/api/auth/login') {
    session.clear();
    unauthorizedHandler?.();
  }
  throw new ApiError(res.status, code, message, details);
}

export async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const enc = encodeURIComponent;

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
