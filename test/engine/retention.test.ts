// History retention under steady load, driven by the manual clock: every hour the same number
// of instances start and the same number finish. Without retention the store grows for ever;
// with it, once the retention period has passed, the record counts stop growing.

import { expect } from 'chai';
import { ManualClock } from '../../engine/clock.ts';
import { Engine } from '../../engine/engine.ts';
import { RetentionJob } from '../../engine/runtime/retention.ts';
import type { StoreCounts } from '../../engine/store/port.ts';
import { forEachBackend } from './backends.ts';
import { bpmn, flow, userTask } from './harness.ts';

const HOUR = 3_600_000;
const PER_HOUR = 4;
const HOURS = 12;
const TTL_HOURS = 3;

const APPROVAL = bpmn(
  'approval',
  `<bpmn:startEvent id="s"/>${userTask('approve', '<zeebe:assignmentDefinition candidateGroups="sales"/>')}<bpmn:endEvent id="e"/>
  ${flow('f1', 's', 'approve')}${flow('f2', 'approve', 'e')}`,
);

forEachBackend('history retention', (backend) => {
  let engine: Engine;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T08:00:00Z');
    engine = await Engine.open({ store: await backend.open(), clock });
    await engine.deploy([{ name: 'a.bpmn', content: APPROVAL }]);
  });
  afterEach(async () => {
    await engine.close();
    await engine.store.close();
  });

  /**
   * One hour of steady load: the tasks opened an hour ago are completed (their instances end),
   * PER_HOUR new instances start, then the clock moves on an hour (the job runs on the way).
   * Returns the record counts at the end of each hour.
   */
  async function steadyLoad(job: RetentionJob | null): Promise<StoreCounts[]> {
    const counts: StoreCounts[] = [];
    for (let hour = 0; hour < HOURS; hour++) {
      for (const task of await engine.listTasks({ state: 'open' })) await engine.completeTask(task.id);
      for (let i = 0; i < PER_HOUR; i++) await engine.startInstance({ processKey: 'approval' });
      await engine.advanceClock({ addMs: HOUR });
      await job?.idle();
      counts.push(await engine.store.countRecords());
    }
    return counts;
  }

  it('stops the store growing once ended instances outlive the retention period', async () => {
    let purged = 0;
    const job = new RetentionJob({
      store: engine.store,
      clock,
      ttlMs: TTL_HOURS * HOUR,
      everyMs: HOUR,
      batchSize: 3, // smaller than one hour's worth, so a run takes several batches
      onPurged: (n) => (purged += n),
    });
    job.start();
    const counts = await steadyLoad(job);
    job.stop();

    // Open work is never touched: each hour's PER_HOUR tasks are still open at its end.
    expect(counts.map((c) => c.tasks - (c.instances - PER_HOUR))).to.deep.equal(counts.map(() => PER_HOUR));
    // It grows while nothing is old enough, then stays exactly level, for every kind of record.
    const plateau = counts.slice(TTL_HOURS + 2);
    expect(plateau.length).to.be.greaterThan(4);
    for (const c of plateau) expect(c).to.deep.equal(plateau[0]);
    expect(counts[0].instances).to.be.lessThan(plateau[0].instances);
    // Kept: the open hour's instances plus those that ended within the period. Ends happen on
    // the hour and the job runs an hour later, so TTL_HOURS hours of ends are inside it.
    expect(plateau[0].instances).to.equal(PER_HOUR * (TTL_HOURS + 1));
    const started = PER_HOUR * HOURS;
    expect(purged).to.equal(started - plateau.at(-1)!.instances);
  });

  it('without retention the same load grows the store every hour', async () => {
    const counts = await steadyLoad(null);
    for (let i = 1; i < counts.length; i++) {
      expect(counts[i].instances).to.equal(counts[i - 1].instances + PER_HOUR);
      expect(counts[i].history).to.be.greaterThan(counts[i - 1].history);
    }
  });

  it('keeps an ended instance readable until its period is over', async () => {
    const job = new RetentionJob({ store: engine.store, clock, ttlMs: 24 * HOUR, everyMs: HOUR });
    const pi = await engine.startInstance({ processKey: 'approval' });
    const [task] = await engine.listTasks({ processInstanceId: pi.id });
    await engine.completeTask(task.id);
    await engine.advanceClock({ addMs: 23 * HOUR });
    expect(await job.runOnce()).to.equal(0);
    expect((await engine.getInstance(pi.id)).state).to.equal('completed');
    expect(await engine.history(pi.id)).to.not.deep.equal([]);
    await engine.advanceClock({ addMs: 2 * HOUR });
    expect(await job.runOnce()).to.equal(1);
    expect(await engine.store.getInstance(pi.id)).to.equal(null);
    expect(await engine.store.history(pi.id)).to.deep.equal([]);
    expect(await engine.store.getTask(task.id)).to.equal(null);
  });
});
