// `npm run soak`: runs the soak, prints the report, exits 1 if any anomaly was found.

import { parseSoakArgs, SoakUsageError, USAGE } from './options.ts';
import { formatReport, runSoak } from './run.ts';

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let options;
  try {
    options = parseSoakArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof SoakUsageError) {
      process.stderr.write(`soak: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const report = await runSoak(options, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\n${formatReport(report)}\n`);
  return report.anomalies.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
