// The store contract: one suite every backend runs. It speaks only through the Store port, so
// the MongoDB backend is held to exactly what the SQLite backend is. Fixed ids and timestamps,
// no sleeps: time is whatever `now` the test passes in.

import { expect } from 'chai';
import { ConflictError } from '../../engine/errors.ts';
import type { AuditEntry, AuditFilter, ChangeEntry, Doc, Store, TaskFilter, TaskPosition } from '../../engine/store/port.ts';
import type { Effect, InstanceState, TaskRecord } from '../../engine/types.ts';
import {
  at,
  definition,
  deployment,
  history,
  incident,
  instance,
  job,
  next,
  NOW,
  put,
  subscription,
  task,
  timer,
} from './fixtures.ts';

export function storeContract(
  backendName: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
): void {
  describe(`Store contract: ${backendName}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    /** Derived records only reach a store with an instance commit, so seed them that way. */
    async function seed(effects: Effect[], id = 'seed'): Promise<InstanceState> {
      const state = instance(id);
      await store.createInstance(state, effects);
      return state;
    }

    describe('instances', () => {
      it('returns a created instance as it was written', async () => {
        const state = instance('pi-1', { businessKey: 'ORD-7' });
        await store.createInstance(state, []);
        expect(await store.getInstance('pi-1')).to.deep.equal(state);
        expect(await store.getInstance('missing')).to.equal(null);
      });

      it('rejects a duplicate id with ConflictError and keeps the first instance', async () => {
        const first = instance('pi-1', { businessKey: 'first' });
        await store.createInstance(first, []);
        const error = await rejection(
          store.createInstance(instance('pi-1', { businessKey: 'second' }), [put.task(task('t-dup'))]),
        );
        expect(error).to.be.instanceOf(ConflictError);
        expect(await store.getInstance('pi-1')).to.deep.equal(first);
        expect(await store.getTask('t-dup')).to.equal(null);
      });

      it('writes the first effects together with a new instance', async () => {
        await store.createInstance(instance('pi-1'), [
          put.task(task('t-1')),
          put.job(job('j-1')),
          put.incident(incident('inc-1')),
          put.history(history('pi-1', 1)),
        ]);
        expect(await store.getTask('t-1')).to.deep.equal(task('t-1'));
        expect(await store.getJob('j-1')).to.deep.equal(job('j-1'));
        expect(await store.getIncident('inc-1')).to.deep.equal(incident('inc-1'));
        expect(await store.history('pi-1')).to.deep.equal([history('pi-1', 1)]);
      });

      it('commits the new state and every kind of effect', async () => {
        const v1 = instance('pi-1');
        await store.createInstance(v1, [
          put.task(task('t-1', { candidateGroups: ['sales'] })),
          put.job(job('j-1')),
          put.job(job('j-2')),
          put.incident(incident('inc-1')),
          put.subscription(subscription('sub-1')),
          put.timer(timer('tm-1')),
          put.history(history('pi-1', 1)),
        ]);
        const v2 = next(v1, { status: 'completed', endedAt: at(9), vars: { '0': { approved: true } } });
        const committed = await store.commitInstance(v2, 1, [
          { type: 'job.patch', key: 'j-1', patch: { retries: 2, errorMessage: 'timeout', availableAt: NOW + 500 } },
          { type: 'job.delete', key: 'j-2' },
          put.job(job('j-3', { type: 'mail' })),
          { type: 'task.patch', id: 't-1', patch: { state: 'completed', completedAt: at(8), completedBy: 'ann' } },
          put.task(task('t-2', { name: 'Ship' })),
          { type: 'incident.patch', id: 'inc-1', patch: { state: 'resolved', resolvedAt: at(7) } },
          put.incident(incident('inc-2', { type: 'CONDITION_ERROR' })),
          { type: 'subscription.delete', id: 'sub-1' },
          put.subscription(subscription('sub-2', { correlationKey: 'ORD-2' })),
          { type: 'timer.delete', id: 'tm-1' },
          put.timer(timer('tm-2', { repeat: null, processInstanceId: null, elementInstance: null })),
          put.history(history('pi-1', 2, { event: 'completed' })),
          { type: 'instance.ended', status: 'completed' },
        ]);
        expect(committed).to.equal(true);
        expect(await store.getInstance('pi-1')).to.deep.equal(v2);
        expect(await store.getJob('j-1')).to.deep.equal(
          job('j-1', { retries: 2, errorMessage: 'timeout', availableAt: NOW + 500 }),
        );
        expect(await store.getJob('j-2')).to.equal(null);
        expect(await store.getJob('j-3')).to.deep.equal(job('j-3', { type: 'mail' }));
        expect(await store.getTask('t-1')).to.deep.equal(
          task('t-1', { candidateGroups: ['sales'], state: 'completed', completedAt: at(8), completedBy: 'ann' }),
        );
        expect(await store.getTask('t-2')).to.deep.equal(task('t-2', { name: 'Ship' }));
        expect(await store.getIncident('inc-1')).to.deep.equal(
          incident('inc-1', { state: 'resolved', resolvedAt: at(7) }),
        );
        expect(await store.getIncident('inc-2')).to.deep.equal(incident('inc-2', { type: 'CONDITION_ERROR' }));
        expect(await store.findSubscriptions('payment-received', 'ORD-1')).to.deep.equal([]);
        expect(await store.findSubscriptions('payment-received', 'ORD-2')).to.deep.equal([
          subscription('sub-2', { correlationKey: 'ORD-2' }),
        ]);
        expect(await store.history('pi-1')).to.deep.equal([
          history('pi-1', 1),
          history('pi-1', 2, { event: 'completed' }),
        ]);
        const summaries = await store.listInstances({ state: 'completed' });
        expect(summaries.map((s) => [s.id, s.endedAt])).to.deep.equal([['pi-1', at(9)]]);
      });

      it('refuses a stale revision and leaves state and derived records untouched', async () => {
        const v1 = instance('pi-1');
        await store.createInstance(v1, [put.task(task('t-1')), put.job(job('j-1'))]);
        const v2 = next(v1);
        expect(await store.commitInstance(v2, 1, [])).to.equal(true);

        const stale = next(v1, { status: 'canceled', endedAt: at(5) });
        const committed = await store.commitInstance(stale, 1, [
          { type: 'task.patch', id: 't-1', patch: { state: 'canceled' } },
          { type: 'job.delete', key: 'j-1' },
          put.task(task('t-2')),
          put.history(history('pi-1', 1)),
        ]);
        expect(committed).to.equal(false);
        expect(await store.getInstance('pi-1')).to.deep.equal(v2);
        expect(await store.getTask('t-1')).to.deep.equal(task('t-1'));
        expect(await store.getTask('t-2')).to.equal(null);
        expect(await store.getJob('j-1')).to.deep.equal(job('j-1'));
        expect(await store.history('pi-1')).to.deep.equal([]);
        expect(await store.listInstances({ state: 'canceled' })).to.deep.equal([]);
      });

      it('lets exactly one of two commits racing from the same revision win', async () => {
        const v1 = instance('pi-1');
        await store.createInstance(v1, []);
        const left = next(v1, { vars: { '0': { winner: 'left' } } });
        const right = next(v1, { vars: { '0': { winner: 'right' } } });
        const results = await Promise.all([
          store.commitInstance(left, 1, [put.task(task('t-left'))]),
          store.commitInstance(right, 1, [put.task(task('t-right'))]),
        ]);
        expect(results.filter(Boolean)).to.have.length(1);
        const [winner, winnerTask, loserTask] = results[0]
          ? [left, 't-left', 't-right']
          : [right, 't-right', 't-left'];
        expect(await store.getInstance('pi-1')).to.deep.equal(winner);
        expect(await store.getTask(winnerTask)).to.not.equal(null);
        expect(await store.getTask(loserTask)).to.equal(null);
      });

      it('lists instances by process key, state, business key and starter, oldest first', async () => {
        await store.createInstance(instance('pi-3', { startedAt: at(3), businessKey: 'B', startedBy: 'aziz' }), []);
        await store.createInstance(instance('pi-1', { startedAt: at(1), businessKey: 'A' }), []);
        await store.createInstance(
          instance('pi-2', { startedAt: at(2), processKey: 'invoice', businessKey: 'A' }),
          [],
        );
        await store.createInstance(
          instance('pi-4', { startedAt: at(4), status: 'completed', endedAt: at(5) }),
          [],
        );
        const ids = async (filter: Parameters<Store['listInstances']>[0]) =>
          (await store.listInstances(filter)).map((s) => s.id);

        expect(await ids({})).to.deep.equal(['pi-1', 'pi-2', 'pi-3', 'pi-4']);
        expect(await ids({ processKey: 'order' })).to.deep.equal(['pi-1', 'pi-3', 'pi-4']);
        expect(await ids({ state: 'active' })).to.deep.equal(['pi-1', 'pi-2', 'pi-3']);
        expect(await ids({ businessKey: 'A' })).to.deep.equal(['pi-1', 'pi-2']);
        expect(await ids({ processKey: 'order', businessKey: 'A' })).to.deep.equal(['pi-1']);
        expect(await ids({ processKey: 'order', state: 'completed' })).to.deep.equal(['pi-4']);
        expect(await ids({ limit: 2 })).to.deep.equal(['pi-1', 'pi-2']);
        expect(await ids({ startedBy: 'aziz' })).to.deep.equal(['pi-3']);
        expect((await store.listInstances({ businessKey: 'B' }))[0]).to.deep.equal({
          id: 'pi-3',
          processKey: 'order',
          version: 1,
          businessKey: 'B',
          startedBy: 'aziz',
          state: 'active',
          startedAt: at(3),
          endedAt: null,
        });
      });
      it('pages instances with a keyset cursor, oldest or newest first, with no duplicates or gaps', async () => {
        // Two instances share each start time, so the id decides between them across pages.
        for (let i = 0; i < 7; i++) {
          await store.createInstance(instance(`pi-${i}`, { startedAt: at(Math.floor(i / 2)), startedBy: 'sam' }), []);
        }
        await store.createInstance(instance('pi-other', { startedAt: at(1), startedBy: 'fay' }), []);
        for (const newestFirst of [false, true]) {
          const whole = (await store.listInstances({ startedBy: 'sam', newestFirst })).map((s) => s.id);
          const expected = ['pi-0', 'pi-1', 'pi-2', 'pi-3', 'pi-4', 'pi-5', 'pi-6'];
          expect(whole).to.deep.equal(newestFirst ? [...expected].reverse() : expected);
          const pages: string[][] = [];
          let after: { startedAt: string; id: string } | undefined;
          for (;;) {
            const page = await store.listInstances({ startedBy: 'sam', newestFirst, after, limit: 3 });
            pages.push(page.map((s) => s.id));
            if (page.length < 3) break;
            const last = page[page.length - 1]!;
            after = { startedAt: last.startedAt, id: last.id };
          }
          expect(pages.map((p) => p.length), `newestFirst=${newestFirst}`).to.deep.equal([3, 3, 1]);
          expect(pages.flat(), `newestFirst=${newestFirst}`).to.deep.equal(whole);
        }
      });
    });

    describe('tasks', () => {
      const ids = async (filter: Parameters<Store['listTasks']>[0]) =>
        (await store.listTasks(filter)).map((t) => t.id);

      it('orders by priority (high first), then due date (none last), then creation', async () => {
        await seed([
          put.task(task('t-low', { priority: 10 })),
          put.task(task('t-nodue-old', { priority: 50, createdAt: at(1) })),
          put.task(task('t-nodue-new', { priority: 50, createdAt: at(2) })),
          put.task(task('t-due-late', { priority: 50, dueDate: at(60), createdAt: at(0) })),
          put.task(task('t-due-soon', { priority: 50, dueDate: at(30), createdAt: at(3) })),
          put.task(task('t-high', { priority: 90, createdAt: at(9) })),
        ]);
        expect(await ids({})).to.deep.equal([
          't-high',
          't-due-soon',
          't-due-late',
          't-nodue-old',
          't-nodue-new',
          't-low',
        ]);
        expect(await ids({ limit: 2 })).to.deep.equal(['t-high', 't-due-soon']);
      });

      it('filters by state, assignee, process instance and process key', async () => {
        await seed([
          put.task(task('t-1', { assignee: 'ann', processInstanceId: 'pi-1', createdAt: at(1) })),
          put.task(task('t-2', { assignee: 'bob', processInstanceId: 'pi-2', createdAt: at(2) })),
          put.task(
            task('t-3', { state: 'completed', assignee: 'ann', processInstanceId: 'pi-2', createdAt: at(3) }),
          ),
          put.task(task('t-4', { processKey: 'invoice', processInstanceId: 'pi-3', createdAt: at(4) })),
        ]);
        expect(await ids({ state: 'open' })).to.deep.equal(['t-1', 't-2', 't-4']);
        expect(await ids({ state: 'completed' })).to.deep.equal(['t-3']);
        expect(await ids({ assignee: 'ann' })).to.deep.equal(['t-1', 't-3']);
        expect(await ids({ assignee: 'ann', state: 'open' })).to.deep.equal(['t-1']);
        expect(await ids({ processInstanceId: 'pi-2' })).to.deep.equal(['t-2', 't-3']);
        expect(await ids({ processKey: 'invoice' })).to.deep.equal(['t-4']);
      });

      it('finds tasks offered to any of the given groups, or to a user by name', async () => {
        await seed([
          put.task(task('t-sales', { candidateGroups: ['sales'], createdAt: at(1) })),
          put.task(task('t-both', { candidateGroups: ['sales', 'finance'], createdAt: at(2) })),
          put.task(task('t-finance', { candidateGroups: ['finance'], createdAt: at(3) })),
          put.task(task('t-ann', { candidateUsers: ['ann', 'bob'], createdAt: at(4) })),
          put.task(
            task('t-done', { candidateGroups: ['sales'], candidateUsers: ['ann'], state: 'completed', createdAt: at(5) }),
          ),
        ]);
        expect(await ids({ candidateGroups: ['sales'] })).to.deep.equal(['t-sales', 't-both', 't-done']);
        expect(await ids({ candidateGroups: ['sales', 'finance'], state: 'open' })).to.deep.equal([
          't-sales',
          't-both',
          't-finance',
        ]);
        expect(await ids({ candidateGroups: [] })).to.deep.equal([]);
        expect(await ids({ candidateUser: 'ann' })).to.deep.equal(['t-ann', 't-done']);
        expect(await ids({ candidateUser: 'ann', state: 'open' })).to.deep.equal(['t-ann']);
        expect(await ids({ candidateUser: 'carl' })).to.deep.equal([]);
      });

      it('shows an employee what is assigned to them or offered to them or their groups', async () => {
        await seed([
          put.task(task('t-mine', { assignee: 'ann', createdAt: at(1) })),
          put.task(task('t-by-name', { candidateUsers: ['ann'], createdAt: at(2) })),
          put.task(task('t-my-group', { candidateGroups: ['sales'], createdAt: at(3) })),
          put.task(task('t-other-group', { candidateGroups: ['finance'], createdAt: at(4) })),
          put.task(task('t-bobs', { assignee: 'bob', createdAt: at(5) })),
          put.task(
            task('t-all', { assignee: 'ann', candidateUsers: ['ann'], candidateGroups: ['sales'], createdAt: at(6) }),
          ),
          put.task(task('t-closed', { assignee: 'ann', state: 'completed', createdAt: at(7) })),
        ]);
        const ann = { username: 'ann', groups: ['sales', 'support'] };
        expect(await ids({ visibleTo: ann, state: 'open' })).to.deep.equal([
          't-mine',
          't-by-name',
          't-my-group',
          't-all',
        ]);
        expect(await ids({ visibleTo: ann })).to.deep.equal([
          't-mine',
          't-by-name',
          't-my-group',
          't-all',
          't-closed',
        ]);
        expect(await ids({ visibleTo: { username: 'dora', groups: [] } })).to.deep.equal([]);
        expect(await ids({ visibleTo: ann, candidateGroups: ['sales'] })).to.deep.equal(['t-my-group', 't-all']);
      });

      it('pages through any filter by keyset: the pages add up to the whole list, in order', async () => {
        const mixed: Array<[string, Partial<TaskRecord>]> = [
          ['k-01', { priority: 90, assignee: 'ann', createdAt: at(5) }],
          ['k-02', { priority: 50, dueDate: at(30), candidateGroups: ['sales'], createdAt: at(1) }],
          ['k-03', { priority: 50, dueDate: at(30), candidateUsers: ['ann'], createdAt: at(1) }],
          ['k-04', { priority: 50, dueDate: at(60), candidateGroups: ['finance'], createdAt: at(0) }],
          ['k-05', { priority: 50, candidateGroups: ['sales', 'finance'], createdAt: at(2) }],
          ['k-06', { priority: 50, assignee: 'ann', createdAt: at(2) }],
          ['k-07', { priority: 50, candidateGroups: ['sales'], createdAt: at(3) }],
          ['k-08', { priority: 10, dueDate: at(10), assignee: 'bob', createdAt: at(4) }],
          ['k-09', { priority: 10, candidateGroups: ['sales'], createdAt: at(4) }],
          ['k-10', { priority: 10, candidateGroups: ['sales'], state: 'completed', createdAt: at(4) }],
          ['k-11', { priority: 0, candidateUsers: ['ann'], createdAt: at(0) }],
        ];
        await seed(mixed.map(([id, overrides]) => put.task(task(id, overrides))));
        const ann = { username: 'ann', groups: ['sales', 'support'] };
        const filters: TaskFilter[] = [
          {},
          { state: 'open' },
          { visibleTo: ann, state: 'open' },
          { visibleTo: ann },
          { candidateGroups: ['sales', 'finance'], state: 'open' },
          { assignee: 'ann', state: 'open' },
          { candidateUser: 'ann', state: 'open' },
        ];
        for (const filter of filters) {
          const whole = await ids(filter);
          expect(whole.length, JSON.stringify(filter)).to.be.greaterThan(1);
          for (const limit of [1, 2, 3]) {
            const paged: string[] = [];
            let after: TaskPosition | undefined;
            for (let pages = 0; pages <= whole.length; pages++) {
              const page = await store.listTasks({ ...filter, limit, ...(after ? { after } : {}) });
              paged.push(...page.map((t) => t.id));
              if (page.length < limit) break;
              const last = page[page.length - 1];
              after = { priority: last.priority, dueDate: last.dueDate, createdAt: last.createdAt, id: last.id };
            }
            expect(paged, `${JSON.stringify(filter)} by ${limit}`).to.deep.equal(whole);
          }
        }
        // A cursor from a task that no longer exists still places the next page.
        const gone: TaskPosition = { priority: 50, dueDate: at(45), createdAt: at(0), id: 'k-gone' };
        expect(await ids({ state: 'open', after: gone, limit: 3 })).to.deep.equal(['k-04', 'k-05', 'k-06']);
      });

      it('searches task name, business key and process key, case-insensitively, within what the filters allow', async () => {
        await seed([
          put.task(task('s-1', { name: 'Approve ORDER 100%', businessKey: 'INV-2026-007', candidateGroups: ['sales'], createdAt: at(1) })),
          put.task(task('s-2', { name: 'Check credit', processKey: 'credit_check', assignee: 'ann', createdAt: at(2) })),
          put.task(task('s-3', { name: 'Ship', businessKey: 'inv-2026-008', candidateGroups: ['finance'], createdAt: at(3) })),
          put.task(task('s-4', { name: 'Ship', businessKey: 'INV-2026-009', candidateGroups: ['sales'], state: 'completed', createdAt: at(4) })),
          put.task(task('s-5', { name: 'Pack a.b', candidateUsers: ['ann'], createdAt: at(5) })),
        ]);
        const ann = { username: 'ann', groups: ['sales'] };
        expect(await ids({ search: 'inv-2026' })).to.deep.equal(['s-1', 's-3', 's-4']);
        expect(await ids({ search: 'inv-2026', state: 'open' })).to.deep.equal(['s-1', 's-3']);
        expect(await ids({ search: 'Inv-2026', visibleTo: ann, state: 'open' })).to.deep.equal(['s-1']);
        expect(await ids({ search: 'CREDIT_check', visibleTo: ann, state: 'open' })).to.deep.equal(['s-2']);
        expect(await ids({ search: 'order', state: 'open' })).to.deep.equal(['s-1', 's-3', 's-5']);
        expect(await ids({ search: '100%', state: 'open' })).to.deep.equal(['s-1']);
        expect(await ids({ search: 'a.b' })).to.deep.equal(['s-5']);
        expect(await ids({ search: 'a_b' })).to.deep.equal([]);
        expect(await ids({ search: 'nothing like it' })).to.deep.equal([]);
        // Search, visibility and paging together: the first open match ann may see, then the next.
        expect(await ids({ search: 'e', visibleTo: ann, state: 'open', limit: 1 })).to.deep.equal(['s-1']);
        const first = (await store.listTasks({ search: 'e', visibleTo: ann, state: 'open', limit: 1 }))[0];
        const after = { priority: first.priority, dueDate: first.dueDate, createdAt: first.createdAt, id: first.id };
        expect(await ids({ search: 'e', visibleTo: ann, state: 'open', limit: 5, after })).to.deep.equal(['s-2', 's-5']);
      });

      it('searches the stored search text too, follows its patches and never returns it on a task', async () => {
        const state = await seed([
          put.task(task('v-1', { name: 'Approve', searchText: 'fergana textiles llc\nord-4471', candidateGroups: ['sales'], createdAt: at(1) })),
          put.task(task('v-2', { name: 'Approve', searchText: 'samarkand silk', candidateGroups: ['finance'], createdAt: at(2) })),
          put.task(task('v-3', { name: 'Approve', createdAt: at(3) })),
        ]);
        expect(await ids({ search: 'Fergana' })).to.deep.equal(['v-1']);
        expect(await ids({ search: 'ORD-4471', state: 'open' })).to.deep.equal(['v-1']);
        expect(await ids({ search: 'silk', visibleTo: { username: 'ann', groups: ['sales'] } })).to.deep.equal([]);
        const read = await store.getTask('v-1');
        expect(read).to.not.have.property('searchText');
        expect((await store.listTasks({ search: 'fergana' }))[0]).to.not.have.property('searchText');
        const v2 = next(state);
        expect(await store.commitInstance(v2, state.rev, [
          { type: 'task.patch', id: 'v-1', patch: { searchText: 'bukhara carpets' } },
          { type: 'task.patch', id: 'v-3', patch: { searchText: 'fergana valley farms' } },
        ])).to.equal(true);
        expect(await ids({ search: 'fergana' })).to.deep.equal(['v-3']);
        expect(await ids({ search: 'bukhara' })).to.deep.equal(['v-1']);
        expect(await store.getTask('v-1')).to.deep.equal(task('v-1', { name: 'Approve', candidateGroups: ['sales'], createdAt: at(1) }));
      });

      it('a put over an existing task replaces it, its candidates and its search text', async () => {
        const state = await seed([put.task(task('r-1', { name: 'Approve', searchText: 'fergana textiles', candidateGroups: ['sales'], createdAt: at(1) }))]);
        const sales = { username: 'ann', groups: ['sales'] };
        const finance = { username: 'bob', groups: ['finance'] };
        expect(await ids({ visibleTo: sales, state: 'open' })).to.deep.equal(['r-1']);
        const v2 = next(state);
        const again = task('r-1', { name: 'Approve again', searchText: 'samarkand silk', candidateGroups: ['finance'], createdAt: at(1) });
        expect(await store.commitInstance(v2, state.rev, [put.task(again)])).to.equal(true);
        expect(await store.getTask('r-1')).to.deep.equal(task('r-1', { name: 'Approve again', candidateGroups: ['finance'], createdAt: at(1) }));
        expect(await ids({ visibleTo: sales, state: 'open' })).to.deep.equal([]);
        expect(await ids({ visibleTo: finance, state: 'open' })).to.deep.equal(['r-1']);
        expect(await ids({ search: 'fergana' })).to.deep.equal([]);
        expect(await ids({ search: 'silk', visibleTo: finance })).to.deep.equal(['r-1']);
      });

      it('combines filters, whichever of them narrows the search first', async () => {
        await seed([
          put.task(task('t-1', { processInstanceId: 'pi-1', assignee: 'ann', candidateGroups: ['sales'], createdAt: at(1) })),
          put.task(task('t-2', { processInstanceId: 'pi-1', candidateUsers: ['ann'], createdAt: at(2) })),
          put.task(task('t-3', { processInstanceId: 'pi-1', candidateGroups: ['finance'], createdAt: at(3) })),
          put.task(task('t-4', { processInstanceId: 'pi-2', candidateGroups: ['sales'], createdAt: at(4) })),
          put.task(
            task('t-5', { processInstanceId: 'pi-1', candidateGroups: ['sales'], state: 'completed', createdAt: at(5) }),
          ),
        ]);
        const ann = { username: 'ann', groups: ['sales'] };
        expect(await ids({ processInstanceId: 'pi-1', visibleTo: ann })).to.deep.equal(['t-1', 't-2', 't-5']);
        expect(await ids({ processInstanceId: 'pi-1', visibleTo: ann, state: 'open' })).to.deep.equal(['t-1', 't-2']);
        expect(await ids({ processInstanceId: 'pi-1', candidateGroups: ['sales', 'finance'] })).to.deep.equal([
          't-1',
          't-3',
          't-5',
        ]);
        expect(await ids({ assignee: 'ann', candidateGroups: ['sales'] })).to.deep.equal(['t-1']);
        expect(await ids({ assignee: 'ann', candidateGroups: ['finance'] })).to.deep.equal([]);
        expect(await ids({ candidateUser: 'ann', visibleTo: ann })).to.deep.equal(['t-2']);
        expect(await ids({ candidateUser: 'ann', candidateGroups: ['sales'] })).to.deep.equal([]);
        expect(await ids({ candidateGroups: ['sales'], processKey: 'order', state: 'open' })).to.deep.equal([
          't-1',
          't-4',
        ]);
      });

      it('pages an inbox in order across assignment, name and groups', async () => {
        const v1 = await seed(
          [
            put.task(task('a1', { assignee: 'ann', priority: 10, createdAt: at(1) })),
            put.task(task('g1', { candidateGroups: ['sales'], priority: 90, createdAt: at(2) })),
            put.task(task('g2', { candidateGroups: ['sales', 'support'], priority: 80, dueDate: at(30), createdAt: at(3) })),
            put.task(task('g3', { candidateGroups: ['support'], priority: 80, createdAt: at(4) })),
            put.task(task('u1', { candidateUsers: ['ann'], candidateGroups: ['sales'], priority: 85, createdAt: at(5) })),
            put.task(task('x1', { candidateGroups: ['finance'], priority: 100, createdAt: at(6) })),
            put.task(task('g4', { candidateGroups: ['sales'], priority: 80, dueDate: at(10), createdAt: at(7) })),
            put.task(task('c1', { candidateGroups: ['sales'], assignee: 'ann', state: 'completed', priority: 100 })),
          ],
          'pi-1',
        );
        const ann = { username: 'ann', groups: ['sales', 'support', 'sales'] };
        const page = (limit: number) => ids({ state: 'open', visibleTo: ann, limit });
        expect(await page(3)).to.deep.equal(['g1', 'u1', 'g4']);
        expect(await page(5)).to.deep.equal(['g1', 'u1', 'g4', 'g2', 'g3']);
        expect(await page(50)).to.deep.equal(['g1', 'u1', 'g4', 'g2', 'g3', 'a1']);
        expect(await ids({ state: 'open', visibleTo: ann })).to.deep.equal(await page(50));
        expect(await page(0)).to.deep.equal([]);
        expect(await ids({ state: 'open', candidateGroups: ['sales', 'support'], limit: 3 })).to.deep.equal([
          'g1',
          'u1',
          'g4',
        ]);
        expect(await ids({ state: 'open', candidateUser: 'ann', limit: 1 })).to.deep.equal(['u1']);
        expect(await ids({ state: 'completed', visibleTo: ann, limit: 5 })).to.deep.equal(['c1']);

        // Re-prioritising and re-dating move a task in every list it is offered in.
        await store.commitInstance(next(v1), 1, [
          { type: 'task.patch', id: 'g3', patch: { priority: 95 } },
          { type: 'task.patch', id: 'g4', patch: { dueDate: null } },
          { type: 'task.patch', id: 'g2', patch: { dueDate: at(5) } },
        ]);
        expect(await page(4)).to.deep.equal(['g3', 'g1', 'u1', 'g2']);
        expect(await ids({ state: 'open', candidateGroups: ['sales'], limit: 3 })).to.deep.equal(['g1', 'u1', 'g2']);
        expect(await ids({ processInstanceId: 'pi-1', candidateGroups: ['support'] })).to.deep.equal(['g3', 'g2']);
        expect(await ids({ processInstanceId: 'pi-1', visibleTo: { username: 'bob', groups: ['sales'] }, state: 'open' })).to.deep.equal([
          'g1',
          'u1',
          'g2',
          'g4',
        ]);
      });

      it('keeps candidate look-ups right when a task is patched or put again', async () => {
        const v1 = await seed(
          [put.task(task('t-1', { candidateGroups: ['sales'], candidateUsers: ['ann'] }))],
          'pi-1',
        );
        const v2 = next(v1);
        await store.commitInstance(v2, 1, [
          { type: 'task.patch', id: 't-1', patch: { candidateGroups: ['finance'], candidateUsers: [] } },
        ]);
        expect(await ids({ candidateGroups: ['sales'] })).to.deep.equal([]);
        expect(await ids({ candidateGroups: ['finance'] })).to.deep.equal(['t-1']);
        expect(await ids({ candidateUser: 'ann' })).to.deep.equal([]);
        expect(await ids({ visibleTo: { username: 'ann', groups: ['finance'] } })).to.deep.equal(['t-1']);

        const v3 = next(v2);
        await store.commitInstance(v3, 2, [
          { type: 'task.patch', id: 't-1', patch: { assignee: 'bob', candidateUsers: ['carl'] } },
        ]);
        expect(await ids({ candidateGroups: ['finance'] })).to.deep.equal(['t-1']);
        expect(await ids({ candidateUser: 'carl' })).to.deep.equal(['t-1']);
        expect(await ids({ visibleTo: { username: 'bob', groups: [] } })).to.deep.equal(['t-1']);

        const v4 = next(v3);
        await store.commitInstance(v4, 3, [
          { type: 'task.patch', id: 't-1', patch: { state: 'completed', completedBy: 'bob', completedAt: at(4) } },
        ]);
        expect(await ids({ candidateGroups: ['finance'], state: 'open' })).to.deep.equal([]);
        expect(await ids({ candidateGroups: ['finance'], state: 'completed' })).to.deep.equal(['t-1']);
        expect(await ids({ visibleTo: { username: 'carl', groups: [] }, state: 'open' })).to.deep.equal([]);
        expect(await ids({ candidateUser: 'carl', state: 'completed' })).to.deep.equal(['t-1']);

        const v5 = next(v4);
        await store.commitInstance(v5, 4, [put.task(task('t-1', { candidateGroups: ['support'] }))]);
        expect(await ids({ candidateGroups: ['finance'] })).to.deep.equal([]);
        expect(await ids({ candidateUser: 'carl' })).to.deep.equal([]);
        expect(await ids({ candidateGroups: ['support'], state: 'open' })).to.deep.equal(['t-1']);
        expect(await store.getTask('t-1')).to.deep.equal(task('t-1', { candidateGroups: ['support'] }));
      });
    });

    describe('jobs', () => {
      it('hands a job to one worker only, with the lock recorded', async () => {
        await seed([put.job(job('j-1'))]);
        const [first, second] = await Promise.all([
          store.activateJobs({ type: 'payment', worker: 'w1', maxJobs: 5, lockMs: 1000, now: NOW }),
          store.activateJobs({ type: 'payment', worker: 'w2', maxJobs: 5, lockMs: 1000, now: NOW }),
        ]);
        const handed = [...first, ...second];
        expect(handed).to.have.length(1);
        const owner = first.length === 1 ? 'w1' : 'w2';
        const leased = job('j-1', { lockOwner: owner, lockExpiresAt: NOW + 1000 });
        expect(handed[0]).to.deep.equal(leased);
        expect(await store.getJob('j-1')).to.deep.equal(leased);
        expect(
          await store.activateJobs({ type: 'payment', worker: 'w3', maxJobs: 5, lockMs: 1000, now: NOW + 999 }),
        ).to.deep.equal([]);
      });

      it('respects type, availableAt and maxJobs, oldest available first', async () => {
        await seed([
          put.job(job('j-later', { availableAt: NOW + 60_000 })),
          put.job(job('j-b', { availableAt: NOW - 1000, createdAt: at(2) })),
          put.job(job('j-a', { availableAt: NOW - 1000, createdAt: at(1) })),
          put.job(job('j-first', { availableAt: NOW - 5000, createdAt: at(3) })),
          put.job(job('j-mail', { type: 'mail' })),
        ]);
        const batch = await store.activateJobs({ type: 'payment', worker: 'w1', maxJobs: 2, lockMs: 500, now: NOW });
        expect(batch.map((j) => j.key)).to.deep.equal(['j-first', 'j-a']);
        const rest = await store.activateJobs({ type: 'payment', worker: 'w2', maxJobs: 10, lockMs: 500, now: NOW });
        expect(rest.map((j) => j.key)).to.deep.equal(['j-b']);
        const later = await store.activateJobs({
          type: 'payment',
          worker: 'w2',
          maxJobs: 10,
          lockMs: 500,
          now: NOW + 60_000,
        });
        // By then the first leases have expired too.
        expect(later.map((j) => j.key)).to.deep.equal(['j-first', 'j-a', 'j-b', 'j-later']);
        expect(later.every((j) => j.lockOwner === 'w2' && j.lockExpiresAt === NOW + 60_500)).to.equal(true);
      });

      it('makes a job available again once its lock expires', async () => {
        await seed([put.job(job('j-1'))]);
        await store.activateJobs({ type: 'payment', worker: 'w1', maxJobs: 1, lockMs: 30_000, now: NOW });
        expect(await store.countAvailableJobs(['payment'], NOW + 29_999)).to.equal(0);
        expect(await store.countAvailableJobs(['payment'], NOW + 30_000)).to.equal(1);
        const again = await store.activateJobs({
          type: 'payment',
          worker: 'w2',
          maxJobs: 1,
          lockMs: 30_000,
          now: NOW + 30_000,
        });
        expect(again.map((j) => [j.key, j.lockOwner, j.lockExpiresAt])).to.deep.equal([
          ['j-1', 'w2', NOW + 60_000],
        ]);
      });

      it('renews a lease only for the worker holding it, and only before it runs out', async () => {
        await seed([put.job(job('j-1')), put.job(job('j-2'))]);
        await store.activateJobs({ type: 'payment', worker: 'w1', maxJobs: 2, lockMs: 1000, now: NOW });
        expect(await store.renewJobLease('j-1', 'w1', NOW + 2000, NOW + 500)).to.equal(true);
        expect((await store.getJob('j-1'))?.lockExpiresAt).to.equal(NOW + 2000);
        // Still w1's at NOW + 1000, when the first lease would have ended.
        expect(await store.countAvailableJobs(['payment'], NOW + 1500)).to.equal(1);
        expect(await store.activateJobs({ type: 'payment', worker: 'w2', maxJobs: 2, lockMs: 1000, now: NOW + 1500 })).to.have.length(1);
        expect(await store.renewJobLease('j-1', 'w2', NOW + 9000, NOW + 1500)).to.equal(false);
        // j-2's lease ran out and w2 holds it now: w1 cannot renew it, even with an old clock.
        expect(await store.renewJobLease('j-2', 'w1', NOW + 9000, NOW + 1500)).to.equal(false);
        expect(await store.renewJobLease('j-2', 'w1', NOW + 9000, NOW + 900)).to.equal(false);
        expect(await store.renewJobLease('j-1', 'w1', NOW + 3000, NOW + 2000)).to.equal(false);
        expect(await store.renewJobLease('j-missing', 'w1', NOW + 3000, NOW)).to.equal(false);
        expect((await store.getJob('j-1'))?.lockExpiresAt).to.equal(NOW + 2000);
        expect((await store.getJob('j-2'))?.lockOwner).to.equal('w2');
      });

      it('counts available jobs and tells when the next one becomes available', async () => {
        const v1 = await seed(
          [
            put.job(job('j-now')),
            put.job(job('j-backoff', { availableAt: NOW + 5000 })),
            put.job(job('j-mail', { type: 'mail', availableAt: NOW + 2000 })),
            put.job(job('j-locked', { type: 'sms', lockOwner: 'w1', lockExpiresAt: NOW + 1000 })),
          ],
          'pi-1',
        );
        expect(await store.countAvailableJobs(null, NOW)).to.equal(1);
        expect(await store.countAvailableJobs(['payment', 'mail'], NOW)).to.equal(1);
        expect(await store.countAvailableJobs(['mail', 'sms'], NOW)).to.equal(0);
        expect(await store.countAvailableJobs(['payment', 'mail', 'sms'], NOW + 5000)).to.equal(4);
        expect(await store.countAvailableJobs([], NOW + 5000)).to.equal(0);

        expect(await store.nextJobWakeUp(null, NOW)).to.equal(NOW + 1000);
        expect(await store.nextJobWakeUp(['payment'], NOW)).to.equal(NOW + 5000);
        expect(await store.nextJobWakeUp(['payment', 'mail'], NOW)).to.equal(NOW + 2000);
        expect(await store.nextJobWakeUp(['sms'], NOW)).to.equal(NOW + 1000);
        expect(await store.nextJobWakeUp(null, NOW + 5000)).to.equal(null);
        expect(await store.nextJobWakeUp(['other'], NOW)).to.equal(null);

        await store.commitInstance(next(v1), 1, [
          { type: 'job.delete', key: 'j-backoff' },
          { type: 'job.patch', key: 'j-locked', patch: { lockOwner: null, lockExpiresAt: null } },
        ]);
        expect(await store.nextJobWakeUp(null, NOW)).to.equal(NOW + 2000);
        expect(await store.countAvailableJobs(null, NOW)).to.equal(2);
      });
    });

    describe('job leases after a restart', () => {
      it('releases every lease of one worker and lists the types of open jobs', async () => {
        await seed([
          put.job(job('j-1', { lockOwner: 'node-a', lockExpiresAt: NOW + 60_000 })),
          put.job(job('j-2', { type: 'mail', lockOwner: 'node-a', lockExpiresAt: NOW + 60_000 })),
          put.job(job('j-3', { type: 'mail', lockOwner: 'node-b', lockExpiresAt: NOW + 60_000 })),
          put.job(job('j-4', { type: 'sms' })),
        ]);
        expect(await store.releaseJobLocks('node-a')).to.equal(2);
        expect(await store.getJob('j-1')).to.deep.equal(job('j-1'));
        expect(await store.getJob('j-2')).to.deep.equal(job('j-2', { type: 'mail' }));
        expect((await store.getJob('j-3'))?.lockOwner).to.equal('node-b');
        expect(await store.releaseJobLocks('node-a')).to.equal(0);
        expect([...(await store.jobTypes())].sort()).to.deep.equal(['mail', 'payment', 'sms']);
      });
    });

    describe('timers', () => {
      const startTimer = (id: string, processKey: string, dueAt: number) =>
        timer(id, { processKey, processInstanceId: null, elementInstance: null, elementId: 'start', dueAt });

      it('lists due timers earliest first and tells when the next one is due', async () => {
        expect(await store.nextTimerDueAt()).to.equal(null);
        const v1 = await seed(
          [
            put.timer(timer('tm-late', { dueAt: NOW + 3000 })),
            put.timer(timer('tm-b', { dueAt: NOW + 1000 })),
            put.timer(timer('tm-a', { dueAt: NOW + 1000 })),
            put.timer(timer('tm-first', { dueAt: NOW, repeat: null })),
          ],
          'pi-1',
        );
        expect(await store.nextTimerDueAt()).to.equal(NOW);
        expect(await store.dueTimers(NOW - 1, 10)).to.deep.equal([]);
        expect(await store.dueTimers(NOW, 10)).to.deep.equal([timer('tm-first', { dueAt: NOW, repeat: null })]);
        expect((await store.dueTimers(NOW + 1000, 10)).map((t) => t.id)).to.deep.equal(['tm-first', 'tm-a', 'tm-b']);
        expect((await store.dueTimers(NOW + 5000, 2)).map((t) => t.id)).to.deep.equal(['tm-first', 'tm-a']);

        await store.commitInstance(next(v1), 1, [
          { type: 'timer.delete', id: 'tm-first' },
          put.timer(timer('tm-a', { dueAt: NOW + 2000 })),
        ]);
        expect(await store.nextTimerDueAt()).to.equal(NOW + 1000);
        expect((await store.dueTimers(NOW + 5000, 10)).map((t) => t.id)).to.deep.equal(['tm-b', 'tm-a', 'tm-late']);
        await store.deleteTimer('tm-b');
        await store.deleteTimer('missing');
        expect((await store.dueTimers(NOW + 5000, 10)).map((t) => t.id)).to.deep.equal(['tm-a', 'tm-late']);
      });

      it("replaces one process's start timers and leaves instance timers alone", async () => {
        await seed([put.timer(timer('tm-instance', { dueAt: NOW + 500 }))], 'pi-1');
        await store.replaceStartTimers('order', [startTimer('st-1', 'order', NOW + 100)]);
        await store.replaceStartTimers('invoice', [startTimer('st-inv', 'invoice', NOW + 200)]);
        await store.replaceStartTimers('order', [startTimer('st-2', 'order', NOW + 300)]);
        expect((await store.dueTimers(NOW + 1000, 10)).map((t) => t.id)).to.deep.equal([
          'st-inv',
          'st-2',
          'tm-instance',
        ]);
        await store.replaceStartTimers('invoice', []);
        expect((await store.dueTimers(NOW + 1000, 10)).map((t) => t.id)).to.deep.equal(['st-2', 'tm-instance']);
      });

      it('lets one claimant take a start timer firing, then moves or removes it', async () => {
        await store.replaceStartTimers('order', [startTimer('st-1', 'order', NOW)]);
        const claims = await Promise.all([
          store.claimStartTimer('st-1', NOW, { dueAt: NOW + 60_000, repeat: { interval: 'PT1M', remaining: 1 } }),
          store.claimStartTimer('st-1', NOW, { dueAt: NOW + 60_000, repeat: { interval: 'PT1M', remaining: 1 } }),
        ]);
        expect(claims.filter(Boolean)).to.have.length(1);
        expect(await store.nextTimerDueAt()).to.equal(NOW + 60_000);
        expect((await store.dueTimers(NOW + 60_000, 10))[0].repeat).to.deep.equal({ interval: 'PT1M', remaining: 1 });
        expect(await store.claimStartTimer('st-1', NOW, { dueAt: NOW + 120_000, repeat: null })).to.equal(false);
        expect(await store.claimStartTimer('st-1', NOW + 60_000, null)).to.equal(true);
        expect(await store.nextTimerDueAt()).to.equal(null);
        expect(await store.claimStartTimer('st-1', NOW + 60_000, null)).to.equal(false);
      });
    });

    describe('message subscriptions', () => {
      it('finds open subscriptions by message name and correlation key, oldest first', async () => {
        const v1 = await seed(
          [
            put.subscription(subscription('sub-2', { createdAt: at(2) })),
            put.subscription(subscription('sub-1', { createdAt: at(1) })),
            put.subscription(subscription('sub-other-key', { correlationKey: 'ORD-9' })),
            put.subscription(subscription('sub-other-name', { messageName: 'order-canceled' })),
            put.subscription(subscription('sub-unkeyed', { messageName: 'broadcast', correlationKey: null })),
          ],
          'pi-1',
        );
        const ids = async (name: string, key: string | null) =>
          (await store.findSubscriptions(name, key)).map((s) => s.id);
        expect(await ids('payment-received', 'ORD-1')).to.deep.equal(['sub-1', 'sub-2']);
        expect(await ids('payment-received', 'ORD-9')).to.deep.equal(['sub-other-key']);
        expect(await ids('broadcast', null)).to.deep.equal(['sub-unkeyed']);
        expect(await ids('payment-received', null)).to.deep.equal([]);
        expect(await ids('unknown', 'ORD-1')).to.deep.equal([]);
        expect((await store.findSubscriptions('payment-received', 'ORD-1'))[0]).to.deep.equal(
          subscription('sub-1', { createdAt: at(1) }),
        );

        await store.commitInstance(next(v1), 1, [{ type: 'subscription.delete', id: 'sub-1' }]);
        expect(await ids('payment-received', 'ORD-1')).to.deep.equal(['sub-2']);
      });
    });

    describe('incidents', () => {
      it('filters by state and instance, oldest first, and applies patches', async () => {
        const v1 = await seed(
          [
            put.incident(incident('inc-2', { processInstanceId: 'pi-2', createdAt: at(2) })),
            put.incident(incident('inc-1', { processInstanceId: 'pi-1', createdAt: at(1) })),
            put.incident(incident('inc-3', { processInstanceId: 'pi-1', createdAt: at(3), state: 'resolved', resolvedAt: at(4) })),
          ],
          'pi-1',
        );
        const ids = async (filter: Parameters<Store['listIncidents']>[0]) =>
          (await store.listIncidents(filter)).map((i) => i.id);
        expect(await ids({})).to.deep.equal(['inc-1', 'inc-2', 'inc-3']);
        expect(await ids({ state: 'open' })).to.deep.equal(['inc-1', 'inc-2']);
        expect(await ids({ processInstanceId: 'pi-1' })).to.deep.equal(['inc-1', 'inc-3']);
        expect(await ids({ state: 'open', processInstanceId: 'pi-1' })).to.deep.equal(['inc-1']);
        expect(await ids({ limit: 1 })).to.deep.equal(['inc-1']);

        await store.commitInstance(next(v1), 1, [
          { type: 'incident.patch', id: 'inc-1', patch: { state: 'resolved', resolvedAt: at(9) } },
        ]);
        expect(await ids({ state: 'open' })).to.deep.equal(['inc-2']);
        expect(await store.getIncident('inc-1')).to.deep.equal(
          incident('inc-1', { processInstanceId: 'pi-1', createdAt: at(1), state: 'resolved', resolvedAt: at(9) }),
        );
        expect(await store.getIncident('missing')).to.equal(null);
      });
    });

    describe('history', () => {
      it('returns an instance history in seq order and ignores a replayed record', async () => {
        const v1 = await seed(
          [put.history(history('pi-1', 2)), put.history(history('pi-1', 1)), put.history(history('pi-2', 1))],
          'pi-1',
        );
        const replayed = history('pi-1', 2, { elementId: 'replayed' });
        await store.commitInstance(next(v1), 1, [
          put.history(replayed),
          put.history(history('pi-1', 3, { elementType: 'sequenceFlow', event: 'taken' })),
        ]);
        expect(await store.history('pi-1')).to.deep.equal([
          history('pi-1', 1),
          history('pi-1', 2),
          history('pi-1', 3, { elementType: 'sequenceFlow', event: 'taken' }),
        ]);
        expect(await store.history('pi-2')).to.deep.equal([history('pi-2', 1)]);
        expect(await store.history('none')).to.deep.equal([]);
      });
    });

    describe('retention', () => {
      /** An instance with one of each derived record, ended at `endedAt` (or still active). */
      async function withRecords(id: string, endedAt: string | null): Promise<void> {
        const effects: Effect[] = [
          put.task(task(`${id}-t`, { processInstanceId: id, candidateGroups: ['sales'], candidateUsers: ['bob'] })),
          put.job(job(`${id}-j`, { processInstanceId: id })),
          put.incident(incident(`${id}-i`, { processInstanceId: id })),
          put.subscription(subscription(`${id}-s`, { processInstanceId: id })),
          put.timer(timer(`${id}-tm`, { processInstanceId: id })),
          put.history(history(id, 1)),
        ];
        const started = instance(id);
        await store.createInstance(started, effects);
        if (endedAt !== null) {
          const ended = next(started, { status: 'completed', endedAt });
          await store.commitInstance(ended, 1, [
            { type: 'task.patch', id: `${id}-t`, patch: { state: 'completed', completedAt: endedAt } },
            put.history(history(id, 2, { event: 'completed' })),
          ]);
        }
      }

      it('removes instances that ended before the cut-off with all their records, oldest first', async () => {
        await withRecords('old-2', at(20));
        await withRecords('old-1', at(10));
        await withRecords('recent', at(90));
        await withRecords('running', null);
        const before = await store.countRecords();
        expect(before).to.deep.equal({ instances: 4, tasks: 4, jobs: 4, incidents: 4, subscriptions: 4, timers: 4, history: 7 });

        // A batch of one takes the oldest end first; the next call takes the rest below the cut-off.
        expect(await store.purgeEndedInstances(at(60), 1)).to.deep.equal(['old-1']);
        expect(await store.purgeEndedInstances(at(60), 100)).to.deep.equal(['old-2']);
        expect(await store.purgeEndedInstances(at(60), 100)).to.deep.equal([]);

        for (const gone of ['old-1', 'old-2']) {
          expect(await store.getInstance(gone)).to.equal(null);
          expect(await store.getTask(`${gone}-t`)).to.equal(null);
          expect(await store.getJob(`${gone}-j`)).to.equal(null);
          expect(await store.getIncident(`${gone}-i`)).to.equal(null);
          expect(await store.history(gone)).to.deep.equal([]);
        }
        expect(await store.countRecords()).to.deep.equal({ instances: 2, tasks: 2, jobs: 2, incidents: 2, subscriptions: 2, timers: 2, history: 3 });
        // What stays is whole: the recent ended instance and the running one with its open task.
        expect((await store.getInstance('recent'))?.status).to.equal('completed');
        expect(await store.history('running')).to.deep.equal([history('running', 1)]);
        expect((await store.listTasks({ candidateGroups: ['sales'], state: 'open' })).map((t) => t.id)).to.deep.equal(['running-t']);
        expect((await store.listTasks({ candidateUser: 'bob' })).map((t) => t.id).sort()).to.deep.equal(['recent-t', 'running-t']);
        expect((await store.findSubscriptions('payment-received', 'ORD-1')).map((x) => x.id).sort()).to.deep.equal(['recent-s', 'running-s']);
      });

      it('never removes an active instance, however old, nor records outside the engine', async () => {
        await withRecords('ancient-but-running', null);
        const users = store.collection({ name: 'retained_users', indexes: [] });
        await users.insert({ id: 'u-1', name: 'ann' });
        expect(await store.purgeEndedInstances(at(100_000), 100)).to.deep.equal([]);
        expect(await store.getInstance('ancient-but-running')).to.not.equal(null);
        expect(await store.getTask('ancient-but-running-t')).to.not.equal(null);
        expect(await users.get('u-1')).to.not.equal(null);
        expect(await store.purgeEndedInstances(at(100_000), 0)).to.deep.equal([]);
      });
    });

    describe('deployments and definitions', () => {
      beforeEach(async () => {
        await store.saveDeployment(deployment('dep-1'), [
          definition('order', 1, 'dep-1'),
          definition('invoice', 1, 'dep-1'),
        ]);
        await store.saveDeployment(deployment('dep-2', { deployedAt: at(5) }), [definition('order', 2, 'dep-2')]);
      });

      it('finds deployments by id and by hash', async () => {
        expect(await store.getDeployment('dep-1')).to.deep.equal(deployment('dep-1'));
        expect(await store.findDeploymentByHash('hash-dep-2')).to.deep.equal(deployment('dep-2', { deployedAt: at(5) }));
        expect(await store.findDeploymentByHash('unknown')).to.equal(null);
        expect(await store.getDeployment('missing')).to.equal(null);
      });

      it('finds the latest definition, a given version, and one by id', async () => {
        expect(await store.findDefinition('order')).to.deep.equal(definition('order', 2, 'dep-2'));
        expect(await store.findDefinition('order', 1)).to.deep.equal(definition('order', 1, 'dep-1'));
        expect(await store.findDefinition('order', 3)).to.equal(null);
        expect(await store.findDefinition('unknown')).to.equal(null);
        expect(await store.getDefinition('invoice:1:dep-1')).to.deep.equal(definition('invoice', 1, 'dep-1'));
        expect(await store.getDefinition('missing')).to.equal(null);
      });

      it('lists definitions by key, then version', async () => {
        const all = await store.listDefinitions();
        expect(all.map((d) => d.id)).to.deep.equal(['invoice:1:dep-1', 'order:1:dep-1', 'order:2:dep-2']);
        const orders = await store.listDefinitions('order');
        expect(orders.map((d) => d.version)).to.deep.equal([1, 2]);
        expect(await store.listDefinitions('unknown')).to.deep.equal([]);
      });

      it('keeps version tags and finds the highest version carrying a tag', async () => {
        await store.saveDeployment(deployment('dep-3', { processes: [{ key: 'order', version: 3 }, { key: 'invoice', version: 1 }] }), [
          definition('order', 3, 'dep-3', { versionTag: 'v1' }),
        ]);
        await store.saveDeployment(deployment('dep-4'), [definition('order', 4, 'dep-4', { versionTag: 'v1' })]);
        await store.saveDeployment(deployment('dep-5'), [definition('order', 5, 'dep-5', { versionTag: 'v2' })]);
        expect(await store.findDefinitionByVersionTag('order', 'v1')).to.deep.equal(definition('order', 4, 'dep-4', { versionTag: 'v1' }));
        expect(await store.findDefinitionByVersionTag('order', 'v2')).to.deep.equal(definition('order', 5, 'dep-5', { versionTag: 'v2' }));
        expect(await store.findDefinitionByVersionTag('order', 'v3')).to.equal(null);
        expect(await store.findDefinitionByVersionTag('invoice', 'v1')).to.equal(null);
        expect(await store.getDefinition('order:3:dep-3')).to.deep.equal(definition('order', 3, 'dep-3', { versionTag: 'v1' }));
        expect((await store.getDeployment('dep-3'))?.processes).to.deep.equal([{ key: 'order', version: 3 }, { key: 'invoice', version: 1 }]);
      });

      it('rejects a second deployment that claims a taken process version', async () => {
        const error = await rejection(
          store.saveDeployment(deployment('dep-3'), [definition('order', 2, 'dep-3')]),
        );
        expect(error).to.be.instanceOf(ConflictError);
        expect((await store.findDefinition('order'))?.deploymentId).to.equal('dep-2');
        expect(await store.findDefinition('order', 2)).to.deep.equal(definition('order', 2, 'dep-2'));
      });
    });

    describe('change feed', () => {
      const change = (id: string, at: number, overrides: Partial<ChangeEntry> = {}): ChangeEntry => ({
        id,
        node: 'node-a',
        at,
        type: 'task.created',
        instanceId: 'pi-1',
        taskId: `task-${id}`,
        incidentId: null,
        ...overrides,
      });

      it('reads entries from a time on, ordered by (at, id), as written', async () => {
        const incident = change('c3', 2000, { type: 'incident.created', taskId: null, incidentId: 'inc-1', node: 'node-b' });
        await store.appendChanges([change('c2', 1000), incident]);
        await store.appendChanges([change('c1', 1000), change('c0', 500)]);
        expect((await store.readChanges(1000, 10)).map((e) => e.id)).to.deep.equal(['c1', 'c2', 'c3']);
        expect((await store.readChanges(1001, 10))).to.deep.equal([incident]);
        expect((await store.readChanges(0, 2)).map((e) => e.id)).to.deep.equal(['c0', 'c1']);
        expect(await store.readChanges(0, 0)).to.deep.equal([]);
      });

      it('writes an id once, so that a retried append does not repeat entries', async () => {
        await store.appendChanges([change('c1', 1000)]);
        await store.appendChanges([change('c1', 1000), change('c2', 1001)]);
        await store.appendChanges([]);
        expect((await store.readChanges(0, 10)).map((e) => e.id)).to.deep.equal(['c1', 'c2']);
      });

      it('trims entries older than a time and nothing newer', async () => {
        await store.appendChanges([change('c1', 1000), change('c2', 1999), change('c3', 2000)]);
        expect(await store.trimChanges(2000)).to.equal(2);
        expect((await store.readChanges(0, 10)).map((e) => e.id)).to.deep.equal(['c3']);
        expect(await store.trimChanges(2000)).to.equal(0);
      });
    });

    describe('audit trail', () => {
      const entry = (id: string, at: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
        id,
        at,
        actor: 'aziz',
        action: 'task.completed',
        targets: ['task-1', 'pi-1'],
        requestId: `req-${id}`,
        details: { processKey: 'order', 'odd.key$': [1, { nested: true }] },
        ...overrides,
      });
      const ids = async (filter: Partial<AuditFilter> = {}) =>
        (await store.listAuditEntries({ limit: 100, ...filter })).map((e) => e.id);

      it('returns entries as written, newest first, ties broken by id', async () => {
        const first = entry('a-1', '2026-01-01T10:00:00.000Z');
        await store.appendAuditEntry(first);
        await store.appendAuditEntry(entry('a-3', '2026-01-01T10:00:01.000Z'));
        await store.appendAuditEntry(entry('a-2', '2026-01-01T10:00:01.000Z', { actor: null, targets: [] }));
        expect(await ids()).to.deep.equal(['a-3', 'a-2', 'a-1']);
        const all = await store.listAuditEntries({ limit: 10 });
        expect(all[2]).to.deep.equal(first);
        expect(all[1]).to.deep.include({ actor: null, targets: [] });
      });

      it('filters by actor, action, target and a half-open time range', async () => {
        await store.appendAuditEntry(entry('a-1', '2026-01-01T10:00:00.000Z', { actor: 'admin', action: 'process.deployed', targets: ['order'] }));
        await store.appendAuditEntry(entry('a-2', '2026-01-01T11:00:00.000Z', { targets: ['task-9', 'pi-9'] }));
        await store.appendAuditEntry(entry('a-3', '2026-01-01T12:00:00.000Z', { actor: 'dilnoza', action: 'task.claimed' }));
        expect(await ids({ actor: 'aziz' })).to.deep.equal(['a-2']);
        expect(await ids({ action: 'task.claimed' })).to.deep.equal(['a-3']);
        expect(await ids({ target: 'pi-9' })).to.deep.equal(['a-2']);
        expect(await ids({ target: 'task-1' })).to.deep.equal(['a-3']);
        expect(await ids({ target: 'order', action: 'process.deployed' })).to.deep.equal(['a-1']);
        expect(await ids({ from: '2026-01-01T11:00:00.000Z' })).to.deep.equal(['a-3', 'a-2']);
        expect(await ids({ to: '2026-01-01T11:00:00.000Z' })).to.deep.equal(['a-1']);
        expect(await ids({ from: '2026-01-01T10:30:00.000Z', to: '2026-01-01T11:30:00.000Z' })).to.deep.equal(['a-2']);
        expect(await ids({ actor: 'nobody' })).to.deep.equal([]);
      });

      it('pages with a limit and the last entry seen, without skipping ties', async () => {
        const at = '2026-01-01T10:00:00.000Z';
        for (const id of ['p-1', 'p-2', 'p-3', 'p-4', 'p-5']) await store.appendAuditEntry(entry(id, at));
        await store.appendAuditEntry(entry('p-0', '2026-01-01T09:00:00.000Z'));
        const seen: string[] = [];
        let before: AuditFilter['before'];
        for (;;) {
          const page = await store.listAuditEntries({ limit: 2, ...(before ? { before } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.id));
          const last = page[page.length - 1]!;
          before = { at: last.at, id: last.id };
        }
        expect(seen).to.deep.equal(['p-5', 'p-4', 'p-3', 'p-2', 'p-1', 'p-0']);
        expect(await ids({ before: { at, id: 'p-2' }, actor: 'aziz' })).to.deep.equal(['p-1', 'p-0']);
      });

      it('refuses a second entry with the same id and keeps the first', async () => {
        await store.appendAuditEntry(entry('a-1', '2026-01-01T10:00:00.000Z'));
        const error = await rejection(store.appendAuditEntry(entry('a-1', '2026-01-01T11:00:00.000Z', { action: 'forged' })));
        expect(error).to.be.instanceOf(ConflictError);
        const [kept] = await store.listAuditEntries({ limit: 10 });
        expect(kept).to.deep.include({ id: 'a-1', action: 'task.completed' });
      });

      it('offers no way to change or remove an entry', () => {
        const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter((m) => /audit/i.test(m));
        expect(methods.filter((m) => !['appendAuditEntry', 'listAuditEntries', 'auditLog'].includes(m))).to.deep.equal([]);
      });
    });

    describe('document collections', () => {
      interface Customer extends Doc {
        name: string;
        email: string;
        tags: string[];
        tier: number;
        active: boolean;
        region?: string | null;
        note?: { text: string };
      }
      const spec = { name: 'customers', indexes: ['tier', 'tags', 'active'], unique: ['email'] };
      const customer = (id: string, overrides: Partial<Customer> = {}): Omit<Customer, 'rev'> => ({
        id,
        name: `Customer ${id}`,
        email: `${id}@example.com`,
        tags: [],
        tier: 1,
        active: true,
        ...overrides,
      });
      const customers = () => store.collection<Customer>(spec);

      it('inserts with rev 1 and gets the document back', async () => {
        const inserted = await customers().insert(customer('c-1', { tags: ['vip'], note: { text: 'hi' } }));
        expect(inserted).to.deep.equal({ ...customer('c-1', { tags: ['vip'], note: { text: 'hi' } }), rev: 1 });
        expect(await customers().get('c-1')).to.deep.equal(inserted);
        expect(await customers().get('missing')).to.equal(null);
      });

      it('rejects a duplicate id and a duplicate unique field with ConflictError', async () => {
        await customers().insert(customer('c-1'));
        const sameId = await rejection(customers().insert(customer('c-1', { email: 'other@example.com' })));
        expect(sameId).to.be.instanceOf(ConflictError);
        const sameEmail = await rejection(customers().insert(customer('c-2', { email: 'c-1@example.com' })));
        expect(sameEmail).to.be.instanceOf(ConflictError);
        expect((sameEmail as ConflictError).message).to.contain('email');
        expect(await customers().get('c-2')).to.equal(null);
        expect(await customers().count()).to.equal(1);
      });

      it('replaces on the current rev and returns null on a stale one', async () => {
        const v1 = await customers().insert(customer('c-1'));
        const v2 = await customers().replace({ ...v1, name: 'Renamed' } as Customer);
        expect(v2).to.deep.equal({ ...v1, name: 'Renamed', rev: 2 });
        expect(await customers().replace({ ...v1, name: 'Stale' } as Customer)).to.equal(null);
        expect(await customers().get('c-1')).to.deep.equal(v2);
        expect(await customers().replace({ ...v1, id: 'missing' } as Customer)).to.equal(null);
      });

      it('rejects a replace that would duplicate a unique field', async () => {
        await customers().insert(customer('c-1'));
        const v1 = await customers().insert(customer('c-2'));
        const error = await rejection(customers().replace({ ...v1, email: 'c-1@example.com' } as Customer));
        expect(error).to.be.instanceOf(ConflictError);
        expect(await customers().get('c-2')).to.deep.equal(v1);
      });

      it('finds by equality on scalar fields and by membership on array fields', async () => {
        const c = customers();
        await c.insert(customer('c-1', { tier: 2, tags: ['vip', 'b2b'], region: 'north' }));
        await c.insert(customer('c-2', { tier: 1, tags: ['b2b'], active: false }));
        await c.insert(customer('c-3', { tier: 2, tags: [], region: null }));
        await c.insert(customer('c-4', { tier: 3, tags: ['["vip"]'] }));
        const ids = async (where: Record<string, string | number | boolean | null>) =>
          (await c.find({ where })).map((d) => d.id);
        expect(await ids({ tier: 2 })).to.deep.equal(['c-1', 'c-3']);
        expect(await ids({ tags: 'vip' })).to.deep.equal(['c-1']);
        expect(await ids({ tags: 'b2b' })).to.deep.equal(['c-1', 'c-2']);
        expect(await ids({ tags: 'b2b', tier: 2 })).to.deep.equal(['c-1']);
        // The JSON text of an array is not one of its items.
        expect(await ids({ tags: '["vip","b2b"]' })).to.deep.equal([]);
        expect(await ids({ tags: '["vip"]' })).to.deep.equal(['c-4']);
        expect(await ids({ active: false })).to.deep.equal(['c-2']);
        expect(await ids({ email: 'c-3@example.com' })).to.deep.equal(['c-3']);
        // Unindexed fields behave the same, just without an index behind them.
        expect(await ids({ region: 'north' })).to.deep.equal(['c-1']);
        expect(await ids({ name: 'Customer c-2' })).to.deep.equal(['c-2']);
        expect(await ids({ tier: '2' })).to.deep.equal([]);
        expect(await ids({ id: 'c-4' })).to.deep.equal(['c-4']);
      });

      it('orders, limits and counts', async () => {
        const c = customers();
        await c.insert(customer('c-1', { tier: 3, name: 'Bravo' }));
        await c.insert(customer('c-2', { tier: 1, name: 'Alpha' }));
        await c.insert(customer('c-3', { tier: 2, name: 'Charlie', tags: ['vip'] }));
        await c.insert(customer('c-4', { tier: 2, name: 'Delta', tags: ['vip'] }));
        const ids = async (query: Parameters<typeof c.find>[0]) => (await c.find(query)).map((d) => d.id);
        expect(await ids({})).to.deep.equal(['c-1', 'c-2', 'c-3', 'c-4']);
        expect(await ids({ orderBy: 'tier' })).to.deep.equal(['c-2', 'c-3', 'c-4', 'c-1']);
        expect(await ids({ orderBy: 'name', desc: true })).to.deep.equal(['c-4', 'c-3', 'c-1', 'c-2']);
        expect(await ids({ orderBy: 'tier', desc: true, limit: 2 })).to.deep.equal(['c-1', 'c-4']);
        expect(await ids({ where: { tags: 'vip' }, orderBy: 'name', desc: true })).to.deep.equal(['c-4', 'c-3']);
        expect(await c.count()).to.equal(4);
        expect(await c.count({ where: { tier: 2 } })).to.equal(2);
        expect(await c.count({ where: { tags: 'vip', tier: 1 } })).to.equal(0);
      });

      it('deletes a document', async () => {
        const c = customers();
        await c.insert(customer('c-1', { tags: ['vip'] }));
        expect(await c.delete('c-1')).to.equal(true);
        expect(await c.delete('c-1')).to.equal(false);
        expect(await c.get('c-1')).to.equal(null);
        expect(await c.find({ where: { tags: 'vip' } })).to.deep.equal([]);
        await c.insert(customer('c-1'));
        expect(await c.count()).to.equal(1);
      });

      it('keeps collections apart and serves the same spec twice', async () => {
        await customers().insert(customer('c-1'));
        const sessions = store.collection<Doc & { user: string }>({ name: 'sessions', indexes: ['user'] });
        await sessions.insert({ id: 'c-1', user: 'ann' });
        expect(await customers().count()).to.equal(1);
        expect((await sessions.find({ where: { user: 'ann' } })).map((s) => s.id)).to.deep.equal(['c-1']);
        expect(await store.collection<Customer>(spec).get('c-1')).to.deep.equal({ ...customer('c-1'), rev: 1 });
      });

      it('refuses collection and field names that are not plain identifiers', async () => {
        expect(() => store.collection({ name: 'bad name; DROP TABLE x', indexes: [] })).to.throw();
        expect(() => store.collection({ name: 'fine', indexes: ["x') --"] })).to.throw();
        const error = await rejection(customers().find({ where: { "tier') OR 1=1 --": 1 } }));
        expect(error).to.be.instanceOf(Error);
        const orderError = await rejection(customers().find({ orderBy: 'tier; DROP TABLE x' }));
        expect(orderError).to.be.instanceOf(Error);
      });
    });
  });
}

/** The error a promise rejects with; fails the test when it resolves instead. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the promise to reject');
}
