// What route modules receive: the engine, the store, configuration and the services built on
// them. A new resource (adapters, CRM, ERP) is one route module added to routes/index.ts.

import type { Logger } from 'pino';
import type { AdapterRuntime } from '../adapters/index.ts';
import type { Store } from '../engine/store/port.ts';
import type { ServerConfig } from './config.ts';
import type { ConnectionReloader } from './connections/reload.ts';
import type { EngineFacade } from './engine-facade.ts';
import type { Route } from './http/route.ts';
import type { IdentityService } from './identity/service.ts';
import type { AuditTrail } from './services/audit.ts';
import type { EventHub } from './services/events.ts';
import type { InstanceService } from './services/instances.ts';
import type { MessageService } from './services/messages.ts';
import type { Metrics } from './services/metrics.ts';
import type { IncidentService, JobService } from './services/operations.ts';
import type { ProcessService } from './services/processes.ts';
import type { TaskService } from './services/tasks.ts';

export interface Services {
  identity: IdentityService;
  processes: ProcessService;
  instances: InstanceService;
  tasks: TaskService;
  jobs: JobService;
  incidents: IncidentService;
  events: EventHub;
  metrics: Metrics;
  messages: MessageService;
  audit: AuditTrail;
}

export interface AppContext {
  engine: EngineFacade;
  store: Store;
  config: ServerConfig;
  logger: Logger;
  services: Services;
  /** The adapter runtime (built-in CRM and ERP, loaded adapters); absent in bare test apps. */
  adapters: AdapterRuntime | null;
  /** Binds connections stored through the API while the server runs; absent in bare test apps. */
  storedConnections: ConnectionReloader | null;
  /** The OpenAPI document of every mounted route; filled in once all modules are loaded. */
  openApi(): Record<string, unknown>;
}

export type RouteModule = (app: AppContext) => Route[];
