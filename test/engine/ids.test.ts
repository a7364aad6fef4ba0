// The engine's default ids (engine/clock.ts RandomIds): UUID version 7, unique, and in creation
// order within one millisecond, also across the refills of the pool of random bytes behind them.

import { expect } from 'chai';
import { RandomIds } from '../../engine/clock.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('RandomIds', () => {
  it('makes unique version 7 UUIDs across many refills of its random pool', () => {
    const ids = new RandomIds();
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = ids.next();
      expect(id).to.match(UUID_V7);
      seen.add(id);
    }
    expect(seen.size).to.equal(5000);
  });

  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = new RandomIds().next();
    const after = Date.now();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).to.be.within(before, after);
  });

  it('keeps ids made in the same millisecond in order, and their random parts differ', () => {
    const ids = new RandomIds();
    const made = Array.from({ length: 600 }, () => ids.next());
    // Runs of the same millisecond sort as made; across milliseconds the time prefix orders them.
    expect([...made].sort()).to.deep.equal(made);
    const tails = new Set(made.map((id) => id.slice(19)));
    expect(tails.size).to.equal(made.length);
  });
});
