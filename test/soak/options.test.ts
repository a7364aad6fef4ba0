// The soak's command line and its seeded schedule: bad options are refused with the option named,
// and a seed gives the same kill moments and fault phases every time.

import { expect } from 'chai';
import { parseSoakArgs } from '../../soak/options.ts';
import { seededRandom } from '../../soak/random.ts';
import { faultPhases, killMoments } from '../../soak/run.ts';

describe('soak options and schedule', () => {
  it('reads the options, with defaults for the rest', () => {
    const o = parseSoakArgs(['--duration', '60', '--rate', '4', '--kills', '3', '--erp-faults', '--seed', '9'], {});
    expect(o).to.deep.include({ durationMs: 60_000, rate: 4, kills: 3, erpFaults: true, erpDownMs: 60_000, seed: 9, store: 'sqlite', killEveryMs: 30_000, drainMs: 120_000 });
  });

  it('refuses bad input, naming the option', () => {
    expect(() => parseSoakArgs(['--rate', 'fast'], {})).to.throw('--rate must be a number from 0.1 to 100, got "fast"');
    expect(() => parseSoakArgs(['--kills', '1.5'], {})).to.throw('--kills must be a whole number');
    expect(() => parseSoakArgs(['--store', 'postgres'], {})).to.throw('--store must be sqlite or mongodb, got "postgres"');
    expect(() => parseSoakArgs(['--store', 'mongodb'], {})).to.throw('--store mongodb needs MONGODB_URL');
    expect(() => parseSoakArgs(['--colour'], {})).to.throw("Unknown option '--colour'");
  });

  it('draws the same kill moments for the same seed, inside the run, one per slot with --kills', () => {
    const options = { durationMs: 20_000, killEveryMs: 30_000, kills: 2 };
    const a = killMoments(options, seededRandom(5));
    expect(a).to.deep.equal(killMoments(options, seededRandom(5)));
    expect(a).to.have.length(2);
    expect(a[0]).to.be.within(2_000, 8_000);
    expect(a[1]).to.be.within(12_000, 18_000);
    const every = killMoments({ durationMs: 300_000, killEveryMs: 30_000, kills: null }, seededRandom(5));
    expect(every.length).to.be.within(6, 20);
    expect(every.every((t, i) => t < 300_000 && (i === 0 || t > every[i - 1]!))).to.equal(true);
  });

  it('spreads the ERP faults over the run; the outage is capped by --erp-down and by the run', () => {
    expect(faultPhases({ durationMs: 300_000, erpDownMs: 60_000 })).to.deep.equal([
      { mode: 'error500', atMs: 30_000, forMs: 20_000 },
      { mode: 'hang', atMs: 75_000, forMs: 20_000 },
      { mode: 'malformed', atMs: 120_000, forMs: 10_000 },
      { mode: 'schema', atMs: 150_000, forMs: 10_000 },
      { mode: 'down', atMs: 180_000, forMs: 60_000 },
    ]);
    expect(faultPhases({ durationMs: 20_000, erpDownMs: 60_000 }).at(-1)).to.deep.equal({ mode: 'down', atMs: 12_000, forMs: 6_000 });
  });
});
