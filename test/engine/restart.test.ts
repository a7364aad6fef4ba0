// Kill -9 a node mid-load, start it again on the same file, and check that no committed step was
// lost and none repeated: every instance ends, and every element ran exactly once.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openSqliteStore } from '../../engine/store/sqlite.ts';

const child = join(import.meta.dirname, 'fixtures', 'load-child.ts');
const TOTAL = 120;

/** Runs the load child until it has printed `killAfter` committed steps, then SIGKILLs it. */
function runChild(file: string, killAfter: number | null): Promise<{ lines: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, file, String(TOTAL)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let finished = false;
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        if (line === 'done') finished = true;
        lines++;
        if (killAfter !== null && lines >= killAfter && !proc.killed) proc.kill('SIGKILL');
      }
    });
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ lines, finished });
      else reject(new Error(`load child exited with ${code}: ${stderr}`));
    });
  });
}

describe('restart after SIGKILL', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = join(tmpdir(), `karvon-restart-${randomUUID()}`);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no committed step and repeats no completed one', async () => {
    const file = join(dir, 'karvon.db');
    const kills = [150, 250, 200];
    for (const at of kills) await runChild(file, at);
    const last = await runChild(file, null);
    expect(last.finished).to.equal(true);

    const store = await openSqliteStore({ file });
    try {
      const instances = await store.listInstances({ limit: 10_000 });
      expect(instances).to.have.length(TOTAL);
      for (const pi of instances) {
        expect(pi.state, pi.id).to.equal('completed');
        const state = (await store.getInstance(pi.id))!;
        expect(state.elements).to.deep.equal({});
        expect(state.jobs).to.deep.equal({});
        expect(state.tasks).to.deep.equal({});
        const history = await store.history(pi.id);
        const completed = history.filter((h) => h.event === 'completed').map((h) => h.elementId);
        expect([...completed].sort(), pi.id).to.deep.equal(['a', 'b', 'c', 'e', 'fork', 'join', 'load', 'review', 's']);
        expect(history.map((h) => h.event)).to.not.include('terminated');
        expect((state.vars['0'] as Record<string, unknown>).reviewed).to.equal(true);
      }
      expect(await store.listTasks({ state: 'open' })).to.deep.equal([]);
      expect(await store.countAvailableJobs(null, Date.now() + 3_600_000)).to.equal(0);
    } finally {
      await store.close();
    }
  });
});
