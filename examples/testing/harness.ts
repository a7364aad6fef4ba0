// A test harness for adapters: runs one operation exactly the way a service task would — input
// and output validated against the schemas, the call under a timeout, the error turned into a
// BPMN error / retry / incident by Karvon's policy — against a local server that replays JSON
// fixture files. No engine, no store, no diagram.

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AdapterJobHandler, type LogSink } from '../../adapters/runtime/handler.ts';
import { resolveConnections } from '../../adapters/runtime/connections.ts';
import type { AdapterDescriptor, JsonObject } from '../../adapters/sdk/index.ts';
import type { JobOutcome } from '../../engine/ports.ts';
import type { Variables } from '../../engine/types.ts';

export interface FixtureServer {
  url: string;
  /** Every request the adapter made: method, path with query, headers. */
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * Serves `<dir>/<name>.json` for a request whose path and query map to that name by `route`.
 * A fixture of the form `{"status": 429, "headers": {...}, "body": ...}` replays an error.
 */
export async function serveFixtures(dir: string, route: (url: URL) => string): Promise<FixtureServer> {
  const requests: FixtureServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers });
    readFile(path.join(dir, `${route(url)}.json`), 'utf8')
      .then((text) => {
        const fixture = JSON.parse(text) as { status?: number; headers?: Record<string, string>; body?: unknown };
        const replay = typeof fixture.status === 'number' ? fixture : { status: 200, body: fixture };
        res.writeHead(replay.status ?? 200, { 'content-type': 'application/json', ...replay.headers });
        res.end(JSON.stringify(replay.body));
      })
      .catch(() => {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'no fixture' }));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface HarnessOptions {
  adapter: AdapterDescriptor;
  config: JsonObject;
  /** The connection name; the task type is `<connection>.<operation>`. */
  connection?: string;
  timeoutMs?: number;
}

export interface Harness {
  run(operation: string, input: Variables, options?: { attempt?: number; idempotencyKey?: string }): Promise<JobOutcome>;
  /** What the adapter logged, already redacted as Karvon would write it. */
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
}

export function adapterHarness(options: HarnessOptions): Harness {
  const connection = options.connection ?? 'test';
  const logs: Harness['logs'] = [];
  const log: LogSink = (level, message, fields) => logs.push({ level, message, fields });
  const connections = resolveConnections(
    { [connection]: { adapter: options.adapter.name, config: options.config, limits: { timeoutMs: options.timeoutMs ?? 5_000 } } },
    new Map([[options.adapter.name, options.adapter]]),
  );
  const handler = new AdapterJobHandler({ connections, log, random: () => 0.5 });
  let seq = 0;
  return {
    logs,
    run: (operation, input, extra = {}) =>
      handler.run({
        key: `harness-${++seq}`,
        type: `${connection}.${operation}`,
        processInstanceId: 'harness',
        processKey: 'harness',
        elementId: 'Task_Under_Test',
        retries: 3,
        attempt: extra.attempt ?? 1,
        variables: input,
        customHeaders: {},
        idempotencyKey: extra.idempotencyKey ?? `harness-key-${seq}`,
        signal: new AbortController().signal,
      }),
  };
}
