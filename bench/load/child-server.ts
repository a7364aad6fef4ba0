// A Karvon server in its own process for the load benches, so the load generator does not share
// the server's event loop. Configured by the environment like `npm start`; prints one JSON line
// with its URL once listening, and answers `rss` on stdin with its memory as a JSON line.

import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { startServer } from '../../server/bootstrap.ts';
import { readConfig } from '../../server/config.ts';
import { collectGarbage } from '../measure.ts';

const running = await startServer(readConfig(), { logger: pino({ level: 'silent' }) });
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'memory') return;
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss, heapUsed })}\n`);
});

const stop = () => {
  running
    .close()
    .then(() => process.exit(0))
    .catch(() => process.exit(1));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
