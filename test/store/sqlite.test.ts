import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../engine/store/sqlite.ts';
import type { Store } from '../../engine/store/port.ts';
import { instance, job, next, put, task } from './fixtures.ts';
import { storeContract } from './contract.ts';

/** Each test gets its own folder, so the file, its WAL and shared memory go away together. */
function tempFolder(): string {
  return join(tmpdir(), `karvon-store-${randomUUID()}`);
}

let folder = '';

storeContract(
  'sqlite',
  async () => {
    folder = tempFolder();
    return openSqliteStore({ file: join(folder, 'karvon.db') });
  },
  async () => {
    await rm(folder, { recursive: true, force: true });
  },
);

describe('SQLite store', () => {
  let dir: string;
  let file: string;
  let store: Store | undefined;

  beforeEach(() => {
    dir = tempFolder();
    // A folder that does not exist yet: opening must create it.
    file = join(dir, 'nested', 'karvon.db');
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps everything across close and reopen of the same file', async () => {
    store = await openSqliteStore({ file });
    const state = instance('pi-1');
    await store.createInstance(state, [put.task(task('t-1', { candidateGroups: ['sales'] })), put.job(job('j-1'))]);
    await store.collection({ name: 'users', indexes: ['groups'], unique: ['username'] }).insert({
      id: 'u-1',
      username: 'ann',
      groups: ['sales'],
    });
    await store.close();

    store = await openSqliteStore({ file });
    expect(await store.getInstance('pi-1')).to.deep.equal(state);
    expect((await store.listTasks({ candidateGroups: ['sales'] })).map((t) => t.id)).to.deep.equal(['t-1']);
    expect(await store.getJob('j-1')).to.deep.equal(job('j-1'));
    const users = store.collection({ name: 'users', indexes: ['groups'], unique: ['username'] });
    expect((await users.find({ where: { groups: 'sales' } })).map((u) => u.id)).to.deep.equal(['u-1']);
    expect(await store.commitInstance(next(state), 1, [])).to.equal(true);
  });

  it('leaves no candidate rows behind when retention removes an ended instance', async () => {
    store = await openSqliteStore({ file });
    const started = instance('pi-1');
    await store.createInstance(started, [put.task(task('t-1', { candidateGroups: ['sales', 'support'], candidateUsers: ['bob'] }))]);
    await store.commitInstance(next(started, { status: 'completed', endedAt: '2025-01-01T01:00:00.000Z' }), 1, [
      { type: 'task.patch', id: 't-1', patch: { state: 'completed', dueDate: '2025-01-02T00:00:00.000Z' } },
    ]);
    expect(await store.purgeEndedInstances('2025-01-02T00:00:00.000Z', 10)).to.deep.equal(['pi-1']);
    await store.close();
    store = undefined;
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) FROM task_candidates').pluck().get()).to.equal(0);
    } finally {
      db.close();
    }
  });

  it('writes nothing of a commit whose effect fails', async () => {
    store = await openSqliteStore({ file });
    const state = instance('pi-1');
    await store.createInstance(state, [put.job(job('j-1'))]);
    const broken = { type: 'job.patch', key: 'j-1', patch: { noSuchField: 1 } } as unknown as Parameters<
      Store['commitInstance']
    >[2][number];
    let failed = false;
    try {
      await store.commitInstance(next(state), 1, [
        put.task(task('t-1')),
        { type: 'job.patch', key: 'j-1', patch: { retries: 0 } },
        broken,
      ]);
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await store.getInstance('pi-1')).to.deep.equal(state);
    expect(await store.getTask('t-1')).to.equal(null);
    expect(await store.getJob('j-1')).to.deep.equal(job('j-1'));
  });

  it('lets writes that share a group commit fail one by one', async () => {
    store = await openSqliteStore({ file });
    const [a, b] = [instance('pi-a'), instance('pi-b')];
    await Promise.all([store.createInstance(a, []), store.createInstance(b, [])]);
    const broken = { type: 'job.patch', key: 'j-1', patch: { noSuchField: 1 } } as unknown as Parameters<
      Store['commitInstance']
    >[2][number];
    // Issued in one turn of the event loop, so they share one SQLite transaction.
    const results = await Promise.allSettled([
      store.commitInstance(next(a), 1, [put.task(task('t-a'))]),
      store.commitInstance(next(b), 1, [put.task(task('t-b')), broken]),
      store.createInstance(instance('pi-a'), [put.task(task('t-dup'))]),
      store.commitInstance(next(a), 1, [put.task(task('t-stale'))]),
      store.createInstance(instance('pi-c'), [put.task(task('t-c'))]),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : undefined))).to.deep.equal([
      true,
      undefined,
      undefined,
      false,
      undefined,
    ]);
    expect((await store.getInstance('pi-a'))?.rev).to.equal(2);
    expect(await store.getInstance('pi-b')).to.deep.equal(b);
    expect((await store.getInstance('pi-c'))?.rev).to.equal(1);
    const tasks = (await store.listTasks({})).map((t) => t.id).sort();
    expect(tasks).to.deep.equal(['t-a', 't-c']);
  });

  it('writes queued commits before it closes', async () => {
    store = await openSqliteStore({ file });
    const state = instance('pi-1');
    const created = store.createInstance(state, [put.task(task('t-1'))]);
    await store.close();
    await created;
    store = await openSqliteStore({ file });
    expect(await store.getInstance('pi-1')).to.deep.equal(state);
    expect(await store.getTask('t-1')).to.deep.equal(task('t-1'));
  });

  it('creates no instance when one of its first effects fails', async () => {
    store = await openSqliteStore({ file });
    const incomplete = { ...task('t-1'), name: null } as unknown as ReturnType<typeof task>;
    let failed = false;
    try {
      await store.createInstance(instance('pi-1'), [put.job(job('j-1')), put.task(incomplete)]);
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await store.getInstance('pi-1')).to.equal(null);
    expect(await store.getJob('j-1')).to.equal(null);
  });

  it('indexes array items of documents written before the field was indexed', async () => {
    store = await openSqliteStore({ file });
    await store.collection({ name: 'deals', indexes: [] }).insert({ id: 'd-1', tags: ['hot'] });
    const indexed = store.collection({ name: 'deals', indexes: ['tags'] });
    expect((await indexed.find({ where: { tags: 'hot' } })).map((d) => d.id)).to.deep.equal(['d-1']);
    await indexed.insert({ id: 'd-2', tags: ['hot', 'cold'] });
    expect(await indexed.count({ where: { tags: 'hot' } })).to.equal(2);
  });
});
