// Opens the store and the engine, seeds a new store, and starts listening. main.ts calls it
// with the environment's configuration; tests call it with a temp folder and port 0.

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { createAdapterRuntime, type AdapterRuntime } from '../adapters/index.ts';
import { ManualClock } from '../engine/clock.ts';
import { Engine } from '../engine/engine.ts';
import { RetentionJob } from '../engine/runtime/retention.ts';
import { setEngineLimits } from '../engine/limits.ts';
import type { InProcessJobHandler } from '../engine/ports.ts';
import type { Store } from '../engine/store/port.ts';
import { openStore } from '../engine/store/open.ts';
import { createApp, karvonOf, type KarvonApp } from './app.ts';
import { lazySecretBox, loadSecretKey } from './connections/secret-box.ts';
import { ConnectionReloader } from './connections/reload.ts';
import type { ServerConfig } from './config.ts';
import type { RouteModule } from './context.ts';
import { routeModules } from './routes/index.ts';
import { seed, type SeedReport } from './seed.ts';

export interface StartOptions {
  logger?: Logger;
  /** In-process job handlers (adapter operations). */
  handlers?: InProcessJobHandler[];
  modules?: RouteModule[];
  /** Wall-clock time of sessions and audit entries; tests pass a ManualClock's to expire tokens. */
  now?: () => number;
}

export interface RunningServer {
  url: string;
  server: Server;
  engine: Engine;
  store: Store;
  adapters: AdapterRuntime;
  karvon: KarvonApp;
  seeded: SeedReport;
  logger: Logger;
  /** The history retention job, when KARVON_RETENTION_DAYS is set. */
  retention: RetentionJob | null;
  /** Stops accepting, lets in-flight requests finish, then closes the engine and the store. */
  close(timeoutMs?: number): Promise<void>;
}

/** How often, at most, stored connections are re-read for ones other nodes created. */
const CONNECTION_POLL_MS = 1_000;

export function createLogger(config: ServerConfig): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'karvon' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: LOG_REDACTION,
  });
}

/** Belt and braces: nothing should ever log these fields, but if it does they stay out of the log. */
export const LOG_REDACTION = {
  paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization'],
  censor: '[redacted]',
};

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  // Process-wide: the diagram parser and FEEL read them from pure code (engine/limits.ts).
  setEngineLimits(config.engineLimits);
  // MongoDB (loaded on demand) when MONGODB_URL is set, else SQLite in <dataDir>/karvon.db.
  const store = await openStore({ dataDir: config.dataDir, mongoUrl: config.mongodbUrl, mongoDbName: config.mongodbDb });
  let engine: Engine | null = null;
  let storedConnections: ConnectionReloader | null = null;
  try {
    // The test clock only moves through POST /api/clock; otherwise the engine keeps its own.
    const clock = config.testClock ? new ManualClock(Date.now()) : undefined;
    const adapterLog = logger.child({ component: 'adapters' });
    // Connections stored through the API; the key is read only when one of them has secrets.
    const secretBox = lazySecretBox(() => loadSecretKey({ envKey: config.secretKey, dataDir: config.dataDir }));
    const adapters = await createAdapterRuntime({
      store,
      clock,
      connections: config.connections ?? undefined,
      packages: config.adapterPackages,
      directory: config.adaptersDir ?? undefined,
      env: process.env,
      log: (level, message, fields) => adapterLog[level](fields, message),
    });
    // Stored connections are bound now, before the engine runs a job, and re-bound whenever they
    // change: on this node by the API, on every node before its next job on them (reload.ts).
    storedConnections = new ConnectionReloader({ store, adapters, box: secretBox, log: (level, message, fields) => adapterLog[level](fields, message) });
    await storedConnections.syncAll();
    adapters.handler.useRefresh((name) => storedConnections!.refresh(name));
    engine = await Engine.open({
      store,
      clock,
      handlers: [adapters.handler, ...(options.handlers ?? [])],
      workerId: config.nodeId,
      timerDriver: config.timerDriver,
      // The mapping drift check: a deploy fails while the ERP lacks a field the mapping fills.
      deployCheck: adapters.deployCheck,
      logger: logger.child({ component: 'engine' }),
    });
    const app = createApp({ engine, store, config, logger, adapters, storedConnections, modules: options.modules ?? routeModules, now: options.now });
    const karvon = karvonOf(app);
    const seeded = await seed(karvon.services.identity, engine, store, config, logger);

    const server = config.host ? app.listen(config.port, config.host) : app.listen(config.port);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const retentionLog = logger.child({ component: 'retention' });
    const retention =
      config.retentionTtlMs > 0
        ? new RetentionJob({
            store,
            clock: engine.clock,
            ttlMs: config.retentionTtlMs,
            everyMs: config.retentionEveryMs,
            onPurged: (count) => {
              karvon.services.metrics.observePurged(count);
              retentionLog.info({ purged: count }, 'removed ended instances past the retention period');
            },
            onError: (err) => retentionLog.error({ err }, 'retention run failed'),
          })
        : null;
    // Started once listening: a server that fails to start leaves no job behind.
    retention?.start();
    // Connections other nodes create have no job here to trigger a read: look for them now and then
    // (changes to known ones are checked before each job anyway).
    storedConnections.start(Math.max(config.feedPollMs, CONNECTION_POLL_MS));
    const reloader = storedConnections;

    // SSE streams are long-lived by design; everything else must not hang forever.
    server.requestTimeout = 60_000;
    server.headersTimeout = 30_000;
    const address = server.address() as AddressInfo;
    const host = config.host ?? 'localhost';
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

    const openEngine = engine;
    let closing: Promise<void> | null = null;
    const close = (timeoutMs = 10_000): Promise<void> =>
      (closing ??= (async () => {
        retention?.stop();
        await reloader.stop();
        karvon.close(); // ends event streams, which would otherwise keep server.close waiting
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        await drained;
        clearTimeout(timer);
        await retention?.idle();
        await karvon.services.events.idle();
        await openEngine.close();
        await store.close();
      })());

    return { url, server, engine, store, adapters, karvon, seeded, logger, retention, close };
  } catch (err) {
    await storedConnections?.stop().catch(() => undefined);
    await engine?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
