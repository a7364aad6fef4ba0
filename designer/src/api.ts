// The designer's calls to the HTTP API. The session, errors and request plumbing are the inbox's
// (server/inbox/src/http.ts): one copy for both web apps.
import { enc, json, query, request, type User, type ProcessSummary, type InstanceState, type InstanceSummary, type InstanceDetail, type HistoryEntry, type Incident } from '../../server/inbox/src/http.ts';

export * from '../../server/inbox/src/http.ts';

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
