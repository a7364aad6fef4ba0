// Who is asking, for code far from the route handler: the audit trail reads the actor and request
// id from here, so services record what they did without every signature carrying a context.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  requestId: string;
  /** Username of the signed-in caller; null on public routes. */
  actor: string | null;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(scope: RequestScope, work: () => T): T {
  return storage.run(scope, work);
}

/** The scope of the request being served, or null outside one (engine timers, startup). */
export function currentRequest(): RequestScope | null {
  return storage.getStore() ?? null;
}
