// What still needs a connection: service tasks of deployed processes whose type names it, and
// jobs of its types that are open (waiting, in retry backoff, or at an incident). A stored
// connection is not deleted while either exists, since those jobs would otherwise fail later.

import type { ProcessModel } from '../../engine/model/types.ts';

export interface ConnectionUse {
  processKey: string;
  version: number;
  elementId: string;
  taskType: string;
}

export interface ConnectionUsage {
  /** Elements of the latest version of each deployed process whose task type names the connection. */
  elements: ConnectionUse[];
  /** Types of open jobs on the connection. */
  openJobTypes: string[];
}

export interface UsageSources {
  latestModels(): Promise<ProcessModel[]>;
  jobTypes(): Promise<string[]>;
}

export async function connectionUsage(sources: UsageSources, name: string): Promise<ConnectionUsage> {
  const prefix = `${name}.`;
  const elements: ConnectionUse[] = [];
  for (const model of await sources.latestModels()) {
    for (const el of model.elements.values()) {
      // A FEEL task type is decided per instance; it cannot be judged here.
      if (!el.job || el.job.type.feel) continue;
      const type = el.job.type.raw.trim();
      if (type.startsWith(prefix)) elements.push({ processKey: model.key, version: model.version, elementId: el.id, taskType: type });
    }
  }
  const openJobTypes = (await sources.jobTypes()).filter((t) => t.startsWith(prefix));
  return { elements, openJobTypes };
}

/** "order-to-ship v3: Task_Ship (shop.requestShipment), …; open jobs: shop.requestShipment". */
export function describeUsage(usage: ConnectionUsage): string {
  const parts: string[] = [];
  if (usage.elements.length > 0) {
    parts.push(usage.elements.map((u) => `process "${u.processKey}" v${u.version} element "${u.elementId}" (${u.taskType})`).join(', '));
  }
  if (usage.openJobTypes.length > 0) parts.push(`open jobs of ${usage.openJobTypes.join(', ')}`);
  return parts.join('; ');
}
