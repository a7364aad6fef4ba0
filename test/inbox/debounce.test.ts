// The inbox's debounce: live events re-read the list once per burst, and a burst that never
// pauses still re-reads within the longest wait.

import { expect } from 'chai';
import { ManualClock } from '../../engine/clock.ts';
import { debounce } from '../../server/inbox/src/debounce.ts';

describe('inbox debounce', () => {
  it('runs once, a while after the last call of a burst', () => {
    const clock = new ManualClock(0);
    let runs = 0;
    const soon = debounce(() => runs++, 300, Infinity, clock);
    soon();
    clock.advance(200);
    soon();
    clock.advance(299);
    expect(runs, 'the second call pushed it back').to.equal(0);
    clock.advance(1);
    expect(runs).to.equal(1);
    clock.advance(5000);
    expect(runs, 'nothing more without calls').to.equal(1);
  });

  it('runs within the longest wait while calls keep coming closer together than the delay', () => {
    const clock = new ManualClock(0);
    const ranAt: number[] = [];
    const soon = debounce(() => ranAt.push(clock.now()), 300, 1000, clock);
    // An event every 100 ms for three seconds: a plain debounce would run once, at 3,200 ms.
    for (let t = 0; t < 3000; t += 100) {
      clock.moveTo(t);
      soon();
    }
    clock.advance(1000);
    // The run at 3,000 ms comes after the last call (2,900 ms), so nothing is left to run.
    expect(ranAt).to.deep.equal([1000, 2000, 3000]);
  });

  it('starts the longest wait again after each run', () => {
    const clock = new ManualClock(0);
    const ranAt: number[] = [];
    const soon = debounce(() => ranAt.push(clock.now()), 300, 1000, clock);
    soon();
    clock.advance(400);
    clock.moveTo(5000);
    soon();
    clock.advance(300);
    expect(ranAt).to.deep.equal([300, 5300]);
  });
});
