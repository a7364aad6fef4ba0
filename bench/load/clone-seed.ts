// Fast seeding for the growth and memory benches: one instance of the canonical flow is run
// through the engine on a recording store, and what it wrote (its final state and every effect,
// history included) becomes a template. Copies with fresh ids are then written with one
// createInstance each, through the store port, so a million stored instances take minutes, not
// the hours starting them one command at a time would.

import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../engine/clock.ts';
import { Engine } from '../../engine/engine.ts';
import type { IdGenerator } from '../../engine/ports.ts';
import type { Store } from '../../engine/store/port.ts';
import type { Effect, InstanceState } from '../../engine/types.ts';
import { BenchHandler } from '../karvon.ts';
import { PROCESS_KEY } from '../diagrams.ts';
import { pool } from '../measure.ts';

/** An instance as the store received it: the last state and every effect, oldest first. */
export interface Template {
  json: string;
}

export interface Templates {
  /** Waiting at the user task. */
  waiting: Template;
  /** Completed, with its whole history. */
  ended: Template;
}

/**
 * Ids the template instances get, easy to find again in their JSON: `TPL<n>X`. The deployment
 * before them gets ordinary ids, so copies still point at the real process definition.
 */
class MarkedIds implements IdGenerator {
  marking = false;
  private n = 0;
  next(): string {
    return this.marking ? `TPL${++this.n}X` : randomUUID();
  }
}

const MARK = /TPL(\d+)X/g;

/** Runs one canonical instance to the user task and one to its end, recording the writes. */
export async function captureTemplates(store: Store, xml: string): Promise<Templates> {
  const written = new Map<string, { state: InstanceState; effects: Effect[] }>();
  const record = (state: InstanceState, effects: Effect[]) => {
    const entry = written.get(state.id) ?? { state, effects: [] };
    entry.state = structuredClone(state);
    entry.effects.push(...structuredClone(effects));
    written.set(state.id, entry);
  };
  const recording: Store = Object.create(store) as Store;
  recording.createInstance = async (state, effects) => {
    await store.createInstance(state, effects);
    record(state, effects);
  };
  recording.commitInstance = async (state, expectedRev, effects) => {
    const ok = await store.commitInstance(state, expectedRev, effects);
    if (ok) record(state, effects);
    return ok;
  };
  const ids = new MarkedIds();
  const engine = await Engine.open({ store: recording, handlers: [new BenchHandler()], clock: new ManualClock(Date.now()), ids });
  try {
    await engine.deploy([{ name: 'canonical.bpmn', content: xml }]);
    ids.marking = true;
    const waiting = await engine.startInstance({ processKey: PROCESS_KEY, variables: { orderNo: 1 } });
    await engine.settle();
    const waitingJson = JSON.stringify(written.get(waiting.id));
    const ended = await engine.startInstance({ processKey: PROCESS_KEY, variables: { orderNo: 2 } });
    await engine.settle();
    const [task] = await engine.listTasks({ processInstanceId: ended.id, state: 'open' });
    await engine.completeTask(task.id, { confirmed: true });
    const endedRecord = written.get(ended.id)!;
    if (endedRecord.state.status !== 'completed') throw new Error(`template instance did not complete: ${endedRecord.state.status}`);
    return { waiting: { json: waitingJson }, ended: { json: JSON.stringify(endedRecord) } };
  } finally {
    await engine.close();
  }
}

/** Writes `count` copies of a template with fresh ids; `tag` keeps separate calls' ids apart. */
export async function writeCopies(store: Store, template: Template, count: number, tag: string, onProgress?: (done: number) => void): Promise<void> {
  let done = 0;
  await pool(count, 256, async (i) => {
    const prefix = `${tag}${i.toString(36)}`;
    const copy = JSON.parse(template.json.replace(MARK, (_m, n: string) => `${prefix}-${n}`)) as { state: InstanceState; effects: Effect[] };
    copy.state.rev = 1;
    await store.createInstance(copy.state, copy.effects);
    if (++done % 50_000 === 0) onProgress?.(done);
  });
}
