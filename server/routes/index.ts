// Every route module of the API. Adding a resource is one line here.

import type { RouteModule } from '../context.ts';
import { adapterRoutes } from './adapters.ts';
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import { clockRoutes } from './clock.ts';
import { connectionRoutes } from './connections.ts';
import { crmRoutes } from './crm.ts';
import { erpRoutes } from './erp.ts';
import { incidentRoutes } from './incidents.ts';
import { instanceRoutes } from './instances.ts';
import { integrationRoutes } from './integrations.ts';
import { jobRoutes } from './jobs.ts';
import { messageRoutes } from './messages.ts';
import { processRoutes } from './processes.ts';
import { systemRoutes } from './system.ts';
import { taskRoutes } from './tasks.ts';
import { userRoutes } from './users.ts';

export const routeModules: RouteModule[] = [
  systemRoutes,
  authRoutes,
  userRoutes,
  processRoutes,
  instanceRoutes,
  taskRoutes,
  jobRoutes,
  messageRoutes,
  incidentRoutes,
  adapterRoutes,
  connectionRoutes,
  crmRoutes,
  erpRoutes,
  clockRoutes,
  integrationRoutes,
  auditRoutes,
];
