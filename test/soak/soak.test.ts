// The short soak: `npm run soak` for 20 seconds with two SIGKILLs at seeded random moments, the real
// server as a child process, ship-goods over HTTP. On the embedded store; in the MongoDB run
// (MONGODB_URL set, as CI's second pass) on MongoDB instead, so each store is soaked once per CI.
// The long runs and their figures: docs/reliability.md.

import { expect } from 'chai';
import { parseSoakArgs } from '../../soak/options.ts';
import { formatReport, runSoak } from '../../soak/run.ts';

describe('soak: ship-goods under load with the server SIGKILLed twice', function () {
  this.timeout(240_000);
  const mongo = Boolean(process.env.MONGODB_URL?.trim());

  it(`survives the kills on ${mongo ? 'MongoDB' : 'the embedded store'}: every instance accounted for, one shipment each, stock consistent, no anomaly`, async () => {
    const options = parseSoakArgs(['--duration', '20', '--rate', '3', '--kills', '2', '--drain', '90', '--seed', '11', '--store', mongo ? 'mongodb' : 'sqlite'], process.env);
    const report = await runSoak(options);
    const summary = formatReport(report);
    expect(report.anomalies, summary).to.deep.equal([]);
    expect(report.kills, summary).to.equal(2);
    expect(report.instances, summary).to.be.greaterThan(30);
    // Every case is in the ERP exactly as far as its instance got.
    expect(report.shipments, summary).to.equal(report.completed.shipped + (report.waiting.Task_ShipmentConfirmed ?? 0));
    expect(report.completed.shipped, summary).to.be.greaterThan(0);
  });
});
