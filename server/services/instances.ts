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
import { decodeInstanceCursor, encodeInstanceCursor } from './instance-cursor.ts';

export interface StartInput {
  processKey: string;
  version?: number;
  versionTag?: string;
  businessKey?: string;
  variables?: Variables;
}

export interface InstanceQuery {
  processKey?: string;
  state?: InstanceFilter['state'];
  businessKey?: string;
  /** `me` stands for the signed-in user. */
  startedBy?: string;
  order?: 'oldest' | 'newest';
  /** The X-Next-Cursor of the previous page. */
  after?: string;
  limit?: number;
}

export interface InstancePage {
  instances: InstanceSummary[];
  /** Where the next page starts; null when this page was the last. */
  next: string | null;
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

  /** A page of the list: when it is full, the cursor of its last instance leads to the next. */
  async page(user: AuthUser, query: InstanceQuery): Promise<InstancePage> {
    const instances = await this.list(user, query);
    const full = query.limit !== undefined && instances.length === query.limit;
    return { instances, next: full ? encodeInstanceCursor(instances[instances.length - 1]!) : null };
  }

  async list(user: AuthUser, query: InstanceQuery): Promise<InstanceSummary[]> {
    const { order, after, ...rest } = query;
    const filter: InstanceFilter = {
      ...rest,
      startedBy: query.startedBy === 'me' ? user.username : query.startedBy,
      newestFirst: order === 'newest',
      after: after !== undefined ? decodeInstanceCursor(after) : undefined,
    };
    if (overseesAll(user)) return this.engine.listInstances(filter);
    if (filter.startedBy !== undefined && filter.startedBy !== user.username) return [];
    // Only the caller's own instances: the store pages them by itself.
    if (filter.startedBy !== undefined) return this.engine.listInstances(filter);
    const mine = await this.instancesWithTasksOf(user);
    // The limit applies after the visibility filter, so ask the engine for everything past the
    // cursor; the response stays one page, the reading here does not.
    const [withTasks, started] = await Promise.all([
      mine.size ? this.engine.listInstances({ ...filter, limit: undefined }) : Promise.resolve([]),
      this.engine.listInstances({ ...filter, startedBy: user.username, limit: undefined }),
    ]);
    const byId = new Map<string, InstanceSummary>();
    for (const i of withTasks) if (mine.has(i.id)) byId.set(i.id, i);
    for (const i of started) byId.set(i.id, i);
    // Plain code-unit order, as the stores compare, so the cursor and this sort agree.
    const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const ascending = (a: InstanceSummary, b: InstanceSummary) => compare(a.startedAt, b.startedAt) || compare(a.id, b.id);
    const visible = [...byId.values()].sort(filter.newestFirst ? (a, b) => ascending(b, a) : ascending);
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
