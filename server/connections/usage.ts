// What still needs a connection: service tasks of deployed processes whose type names it, jobs
// of its types that are open (waiting or in retry backoff), and incidents at its tasks (a
// resolved one runs the job again). A stored connection is not deleted while any exists, since
// those jobs would otherwise fail later.

import type { ProcessModel } from '../../engine/model/types.ts';
import type { Store } from '../../engine/store/port.ts';

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
  /** Open incidents at a task on the connection. */
  incidents: Array<{ id: string; processInstanceId: string; elementId: string; taskType: string }>;
}

export interface UsageSources {
  latestModels(): Promise<ProcessModel[]>;
  processModel(definitionId: string): Promise<ProcessModel>;
  store: Pick<Store, 'jobTypes' | 'listIncidents' | 'getInstance'>;
}

/** At most this many open incidents are looked at; deleting a connection is rare, incidents may not be. */
const INCIDENT_SCAN = 10_000;

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
  const openJobTypes = (await sources.store.jobTypes()).filter((t) => t.startsWith(prefix));
  const incidents: ConnectionUsage['incidents'] = [];
  for (const incident of await sources.store.listIncidents({ state: 'open', limit: INCIDENT_SCAN })) {
    if (incident.type !== 'JOB_NO_RETRIES') continue;
    const instance = await sources.store.getInstance(incident.processInstanceId);
    if (!instance) continue;
    const job = (await sources.processModel(instance.definitionId)).elements.get(incident.elementId)?.job;
    if (!job || job.type.feel) continue;
    const type = job.type.raw.trim();
    if (type.startsWith(prefix)) incidents.push({ id: incident.id, processInstanceId: incident.processInstanceId, elementId: incident.elementId, taskType: type });
  }
  return { elements, openJobTypes, incidents };
}

/** `process "order-to-ship" v3 element "ship" (shop.requestShipment); open jobs of …; open incidents …`. */
export function describeUsage(usage: ConnectionUsage): string {
  const parts: string[] = [];
  if (usage.elements.length > 0) {
    parts.push(usage.elements.map((u) => `process "${u.processKey}" v${u.version} element "${u.elementId}" (${u.taskType})`).join(', '));
  }
  if (usage.openJobTypes.length > 0) parts.push(`open jobs of ${usage.openJobTypes.join(', ')}`);
  if (usage.incidents.length > 0) {
    const shown = usage.incidents.slice(0, 5).map((i) => `${i.id} (instance ${i.processInstanceId}, element "${i.elementId}")`);
    parts.push(`open incidents ${shown.join(', ')}${usage.incidents.length > 5 ? ` and ${usage.incidents.length - 5} more` : ''}`);
  }
  return parts.join('; ');
}
