// Process instances. Overseers (admins, analysts) read every instance; anyone else only the
// instances they started or in which they have or had a task, so an employee's "my cases" never
// shows others'.

import { ForbiddenError } from '../../engine/errors.ts';
import type { InstanceFilter } from '../../engine/store/port.ts';
import type { InstanceSummary, Variables } from '../../engine/types.ts';
import { overseesAll, taskVisibility } from '../access.ts';
import type { EngineFacade, HistoryEntry, InstanceDetail } from '../engine-facade.ts';
import type { AuthUser } from '../http/route.ts';
import type { AuditTrail } from './audit.ts';

export interface StartInput {
  processKey: string;
  version?: number;
  versionTag?: string;
  businessKey?: string;
  variables?: Variables;
}

export class InstanceService {
  constructor(
    private readonly engine: EngineFacade,
    private readonly audit: AuditTrail,
  ) {}

  async start(user: AuthUser, input: StartInput): Promise<InstanceSummary> {
    const started = await this.engine.startInstance(input, { startedBy: user.username });
    await this.audit.record('instance.started', [started.id, started.processKey, started.businessKey], {
      version: started.version,
      variables: Object.keys(input.variables ?? {}),
    });
    return started;
  }

  async list(user: AuthUser, query: InstanceFilter & { startedBy?: string }): Promise<InstanceSummary[]> {
    const filter: InstanceFilter = { ...query, startedBy: query.startedBy === 'me' ? user.username : query.startedBy };
    if (overseesAll(user)) return this.engine.listInstances(filter);
    if (filter.startedBy !== undefined && filter.startedBy !== user.username) return [];
    const mine = await this.instancesWithTasksOf(user);
    // The limit applies after the visibility filter, so ask the engine for everything.
    const [withTasks, started] = await Promise.all([
      mine.size && filter.startedBy === undefined ? this.engine.listInstances({ ...filter, limit: undefined }) : Promise.resolve([]),
      this.engine.listInstances({ ...filter, startedBy: user.username, limit: undefined }),
    ]);
    const byId = new Map<string, InstanceSummary>();
    for (const i of withTasks) if (mine.has(i.id)) byId.set(i.id, i);
    for (const i of started) byId.set(i.id, i);
    const visible = [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
    return filter.limit !== undefined ? visible.slice(0, filter.limit) : visible;
  }

  async get(user: AuthUser, id: string): Promise<InstanceDetail> {
    const instance = await this.engine.getInstance(id);
    await this.assertCanRead(user, instance);
    return instance;
  }

  async history(user: AuthUser, id: string): Promise<HistoryEntry[]> {
    const entries = await this.engine.history(id);
    await this.assertCanRead(user, await this.engine.getInstance(id));
    return entries;
  }

  async cancel(id: string): Promise<InstanceSummary> {
    await this.engine.cancelInstance(id);
    const { variables: _v, activeElements: _a, incidents: _i, ...summary } = await this.engine.getInstance(id);
    await this.audit.record('instance.canceled', [id, summary.processKey, summary.businessKey]);
    return summary;
  }

  async setVariables(id: string, variables: Variables): Promise<InstanceDetail> {
    await this.engine.setVariables(id, variables);
    const instance = await this.engine.getInstance(id);
    // Names only: the values stay in the instance, the trail says who changed which.
    await this.audit.record('variables.set', [id, instance.processKey, instance.businessKey], { variables: Object.keys(variables) });
    return instance;
  }

  private async assertCanRead(user: AuthUser, instance: InstanceSummary): Promise<void> {
    if (overseesAll(user) || instance.startedBy === user.username) return;
    const tasks = await this.engine.listTasks({ processInstanceId: instance.id, visibleTo: taskVisibility(user), limit: 1 });
    if (tasks.length === 0) throw new ForbiddenError('You have no task in this process instance.');
  }

  private async instancesWithTasksOf(user: AuthUser): Promise<Set<string>> {
    const tasks = await this.engine.listTasks({ visibleTo: taskVisibility(user) });
    return new Set(tasks.map((t) => t.processInstanceId));
  }
}
