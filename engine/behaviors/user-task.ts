// User task: creates an inbox task for a person or a group and waits until someone completes it.
// Assignment, schedule and priority may be FEEL, evaluated when the task is created.

import { str } from '../model/moddle.ts';
import type { Json } from '../types.ts';
import type { ElementBehavior } from './behavior.ts';

function list(value: Json): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

export const userTask: ElementBehavior = {
  key: 'bpmn:UserTask',
  compile(c) {
    const assignment = c.extension('zeebe:AssignmentDefinition');
    const schedule = c.extension('zeebe:TaskSchedule');
    const form = c.extension('zeebe:FormDefinition');
    const priority = c.extension('zeebe:PriorityDefinition');
    c.extension('zeebe:UserTask');
    const a = (name: string) => (assignment ? str(assignment, name) : undefined);
    c.model.userTask = {
      assignee: c.expr(a('assignee'), 'zeebe:assignmentDefinition assignee'),
      candidateGroups: c.expr(a('candidateGroups'), 'zeebe:assignmentDefinition candidateGroups'),
      candidateUsers: c.expr(a('candidateUsers'), 'zeebe:assignmentDefinition candidateUsers'),
      dueDate: c.expr(schedule ? str(schedule, 'dueDate') : undefined, 'zeebe:taskSchedule dueDate'),
      followUpDate: c.expr(schedule ? str(schedule, 'followUpDate') : undefined, 'zeebe:taskSchedule followUpDate'),
      priority: c.expr(priority ? str(priority, 'priority') : undefined, 'zeebe:priorityDefinition priority'),
      formKey: (form && str(form, 'formKey')) || null,
      formId: (form && str(form, 'formId')) || null,
    };
    if (form && str(form, 'externalReference')) c.problem('zeebe:formDefinition externalReference is not supported; deploy the form and use formId');
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst, el) {
    const def = el.userTask!;
    const values: Record<string, Json> = {};
    for (const [field, e] of Object.entries({
      assignee: def.assignee,
      candidateGroups: def.candidateGroups,
      candidateUsers: def.candidateUsers,
      dueDate: def.dueDate,
      followUpDate: def.followUpDate,
      priority: def.priority,
    })) {
      if (!e) continue;
      const r = t.evaluate(e, inst, field);
      if (!r.ok) return;
      values[field] = r.value;
    }
    const id = t.id();
    const assignee = typeof values.assignee === 'string' && values.assignee !== '' ? values.assignee : null;
    const task = { id, elementInstance: inst.key, assignee, candidateGroups: list(values.candidateGroups ?? null), candidateUsers: list(values.candidateUsers ?? null) };
    t.state.tasks[id] = task;
    inst.task = id;
    const priority = Number(values.priority ?? 50);
    t.putTask({
      id,
      name: el.name ?? el.id,
      elementId: el.id,
      processInstanceId: t.state.id,
      processKey: t.state.processKey,
      processVersion: t.state.version,
      businessKey: t.state.businessKey,
      state: 'open',
      assignee,
      candidateGroups: task.candidateGroups,
      candidateUsers: task.candidateUsers,
      dueDate: typeof values.dueDate === 'string' ? values.dueDate : null,
      followUpDate: typeof values.followUpDate === 'string' ? values.followUpDate : null,
      priority: Number.isFinite(priority) ? Math.min(100, Math.max(0, Math.round(priority))) : 50,
      formKey: def.formKey ?? (def.formId ? `form:${def.formId}` : null),
      createdAt: t.iso,
      completedAt: null,
      completedBy: null,
    });
  },
  terminate(t, inst) {
    if (!inst.task) return;
    delete t.state.tasks[inst.task];
    t.effects.push({ type: 'task.patch', id: inst.task, patch: { state: 'canceled', completedAt: t.iso } });
    delete inst.task;
  },
  retry(t, inst, el) {
    if (!inst.task) userTask.activate(t, inst, el);
  },
};
