// Script task: evaluates a FEEL expression (zeebe:script) into a result variable. A script task
// with a zeebe:taskDefinition instead is a job, as in Zeebe.

import { str } from '../model/moddle.ts';
import type { ElementBehavior } from './behavior.ts';
import { cancelJob, compileJob, createJob } from './job-worker-task.ts';

export const scriptTask: ElementBehavior = {
  key: 'bpmn:ScriptTask',
  compile(c) {
    const script = c.extension('zeebe:Script');
    if (!script) {
      if (c.extensions().some((e) => e.$type === 'zeebe:TaskDefinition')) return compileJob(c);
      c.problem('script task has neither zeebe:script nor zeebe:taskDefinition');
      return;
    }
    const expression = str(script, 'expression');
    const resultVariable = str(script, 'resultVariable');
    if (!expression) c.problem('zeebe:script has no expression');
    if (!resultVariable) c.problem('zeebe:script has no resultVariable');
    const e = c.expr(expression && !expression.trim().startsWith('=') ? `=${expression}` : expression, 'zeebe:script expression');
    if (e && resultVariable) c.model.script = { expression: e, resultVariable };
    const { inputs, outputs } = c.mappings();
    c.model.inputs = inputs;
    c.model.outputs = outputs;
  },
  activate(t, inst, el) {
    if (!el.script) return createJob(t, inst, el);
    const r = t.evaluate(el.script.expression, inst, 'script');
    if (!r.ok) return;
    t.complete(inst, { [el.script.resultVariable]: r.value });
  },
  terminate: cancelJob,
  retry(t, inst, el) {
    scriptTask.activate(t, inst, el);
  },
};
