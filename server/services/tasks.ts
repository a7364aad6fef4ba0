// The inbox. Every call first checks that the user may see the task (access.ts); acting on a
// task then follows the engine's rules (claimed by someone else → 403/409, not open → 409).

import { ForbiddenError, ValidationError } from '../../engine/errors.ts';
import type { TaskFilter } from '../../engine/store/port.ts';
import type { TaskRecord, Variables } from '../../engine/types.ts';
import { canSeeTask, isAdmin, taskVisibility } from '../access.ts';
import type { EngineFacade, TaskDetail } from '../engine-facade.ts';
import type { AuthUser } from '../http/route.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AuditTrail } from './audit.ts';
import type { ProcessService } from './processes.ts';
import { decodeTaskCursor, encodeTaskCursor } from './task-cursor.ts';

export interface TaskQuery {
  state?: TaskRecord['state'] | 'all';
  /** `me` stands for the signed-in user. */
  assignee?: string;
  candidateGroup?: string;
  candidateUser?: string;
  processInstanceId?: string;
  processKey?: string;
  /** Search: a case-insensitive part of the task name, business key or process key. */
  q?: string;
  /** The X-Next-Cursor of the previous page. */
  after?: string;
  limit?: number;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Where the next page starts; null when this page was the last. */
  next: string | null;
}

export class TaskService {
  constructor(
    private readonly engine: EngineFacade,
    private readonly processes: ProcessService,
    private readonly identity: IdentityService,
    private readonly audit: AuditTrail,
  ) {}

  /** A page of the list: when it is full, the cursor of its last task leads to the next. */
  async page(user: AuthUser, query: TaskQuery): Promise<TaskPage> {
    const tasks = await this.list(user, query);
    const full = query.limit !== undefined && tasks.length === query.limit;
    return { tasks, next: full ? encodeTaskCursor(tasks[tasks.length - 1]) : null };
  }

  list(user: AuthUser, query: TaskQuery): Promise<TaskRecord[]> {
    const me = (name: string | undefined) => (name === 'me' ? user.username : name);
    const filter: TaskFilter = {
      // An inbox lists open work unless asked otherwise.
      state: query.state === 'all' ? undefined : (query.state ?? 'open'),
      assignee: me(query.assignee),
      candidateGroups: query.candidateGroup !== undefined ? [query.candidateGroup] : undefined,
      candidateUser: me(query.candidateUser),
      processInstanceId: query.processInstanceId,
      processKey: query.processKey,
      search: query.q,
      after: query.after !== undefined ? decodeTaskCursor(query.after) : undefined,
      visibleTo: taskVisibility(user),
      limit: query.limit,
    };
    return this.engine.listTasks(dropUndefined(filter));
  }

  async get(user: AuthUser, id: string): Promise<TaskDetail> {
    const task = await this.engine.getTask(id);
    assertVisible(user, task);
    return task;
  }

  async claim(user: AuthUser, id: string): Promise<TaskRecord> {
    await this.visibleTask(user, id);
    const claimed = await this.engine.claimTask(id, user.username);
    await this.audit.record('task.claimed', [id, claimed.processInstanceId]);
    return claimed;
  }

  async unclaim(user: AuthUser, id: string): Promise<TaskRecord> {
    const task = await this.visibleTask(user, id);
    if (!isAdmin(user) && task.assignee !== null && task.assignee !== user.username) {
      throw new ForbiddenError(`Only ${task.assignee} or an admin can unclaim this task.`);
    }
    const unclaimed = await this.engine.unclaimTask(id);
    await this.audit.record('task.unclaimed', [id, unclaimed.processInstanceId], { previousAssignee: task.assignee });
    return unclaimed;
  }

  async assign(user: AuthUser, id: string, assignee: string | null): Promise<TaskRecord> {
    const task = await this.engine.getTask(id);
    if (!isAdmin(user) && !(await this.processes.isOwner(user, task.processKey))) {
      throw new ForbiddenError('Only an admin or the analyst who deployed this process can assign its tasks.');
    }
    if (assignee !== null && !(await this.identity.users.get(assignee))) {
      throw new ValidationError(`No user named "${assignee}".`, [{ path: '/body/assignee', message: 'is not a known user' }]);
    }
    const assigned = await this.engine.assignTask(id, assignee);
    await this.audit.record('task.assigned', [id, assigned.processInstanceId, assignee], { assignee, previousAssignee: task.assignee });
    return assigned;
  }

  async complete(user: AuthUser, id: string, variables: Variables): Promise<void> {
    const task = await this.visibleTask(user, id);
    await this.engine.completeTask(id, variables, { actor: user.username });
    // Variable names only: values may be personal data, and the instance keeps them anyway.
    await this.audit.record('task.completed', [id, task.processInstanceId], { variables: Object.keys(variables) });
  }

  private async visibleTask(user: AuthUser, id: string): Promise<TaskDetail> {
    const task = await this.engine.getTask(id);
    assertVisible(user, task);
    return task;
  }
}

function assertVisible(user: AuthUser, task: TaskRecord): void {
  if (!canSeeTask(user, task)) throw new ForbiddenError('This task is not assigned or offered to you.');
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
