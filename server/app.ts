// The express application: request ids and logs, security headers, the API route table, the
// static web apps, and one error shape for everything.

import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AdapterRuntime } from '../adapters/index.ts';
import type { Store } from '../engine/store/port.ts';
import type { ServerConfig } from './config.ts';
import type { ConnectionReloader } from './connections/reload.ts';
import type { AppContext, RouteModule, Services } from './context.ts';
import type { EngineFacade } from './engine-facade.ts';
import { Admission } from './http/admission.ts';
import { errorHandler, RouteNotFoundError } from './http/errors.ts';
import { startLagProbe } from './http/event-loop-lag.ts';
import { locals, mountRoutes } from './http/mount.ts';
import { buildOpenApi } from './http/openapi.ts';
import type { Route } from './http/route.ts';
import { IdentityService } from './identity/service.ts';
import { routeModules as defaultModules } from './routes/index.ts';
import { AuditTrail } from './services/audit.ts';
import { EventHub } from './services/events.ts';
import { InstanceService } from './services/instances.ts';
import { MessageService } from './services/messages.ts';
import { Metrics } from './services/metrics.ts';
import { IncidentService, JobService } from './services/operations.ts';
import { ProcessService } from './services/processes.ts';
import { TaskService } from './services/tasks.ts';
import { staticApp } from './static.ts';

export interface CreateAppOptions {
  engine: EngineFacade;
  store: Store;
  config: ServerConfig;
  logger: Logger;
  adapters?: AdapterRuntime | null;
  /** Keeps the stored connections bound (server/connections/reload.ts); started by the caller. */
  storedConnections?: ConnectionReloader | null;
  /** Route modules to mount; routes/index.ts by default. */
  modules?: RouteModule[];
  /** Wall-clock time of sessions and audit entries (Date.now); tests inject one to expire tokens. */
  now?: () => number;
}

/** What the rest of the server (main.ts, tests) needs beside the express app itself. */
export interface KarvonApp {
  services: Services;
  routes: Route[];
  /** The router holding exactly the declared routes, for the OpenAPI completeness test. */
  apiRouter: Router;
  /** Ends live streams and listeners; the caller closes the HTTP server, engine and store. */
  close(): void;
}

const VERSION = '0.1.0';
/** Change feed entries serve live streams only; ten minutes outlasts any poll or overlap. */
const FEED_RETAIN_MS = 10 * 60_000;

export function createApp(options: CreateAppOptions): Express {
  const { engine, store, config, logger } = options;

  const metrics = new Metrics(engine);
  const audit = new AuditTrail(store, logger.child({ component: 'audit' }), {
    now: options.now,
    onWriteFailure: () => metrics.auditWriteFailed(),
  });
  const identity = new IdentityService(store, {
    now: options.now,
    audit,
    tokenTtlMs: config.tokenTtlMs,
    throttle: {
      maxFailures: config.loginMaxFailures,
      lockoutMs: config.loginLockoutMs,
      maxLockoutMs: config.loginMaxLockoutMs,
    },
  });
  const processes = new ProcessService(engine, audit);
  const services: Services = {
    identity,
    processes,
    instances: new InstanceService(engine, audit),
    tasks: new TaskService(engine, processes, identity, audit),
    jobs: new JobService(engine, audit),
    incidents: new IncidentService(engine, audit),
    events: new EventHub(
      engine,
      (err) => logger.error({ err }, 'event stream failed'),
      undefined,
      config.feedPollMs > 0
        ? { nodeId: config.nodeId, pollMs: config.feedPollMs, overlapMs: config.feedOverlapMs, retainMs: FEED_RETAIN_MS }
        : null,
    ),
    metrics,
    messages: new MessageService(engine, audit),
    audit,
  };

  let openApiDoc: Record<string, unknown> | null = null;
  const context: AppContext = {
    engine,
    store,
    config,
    logger,
    services,
    adapters: options.adapters ?? null,
    storedConnections: options.storedConnections ?? null,
    openApi: () => (openApiDoc ??= buildOpenApi(routes, {
      title: 'Karvon',
      version: VERSION,
      description: 'BPMN 2.0 workflow engine: processes, instances, the employee inbox, jobs for external workers.',
    })),
  };
  const routes = (options.modules ?? defaultModules).flatMap((module) => module(context));
  assertUnique(routes);

  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ reqId: requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (req.route as { path?: string } | undefined)?.path;
      services.metrics.observeRequest(req.method, route ?? 'unmatched', res.statusCode, seconds);
      // The path only: query strings may carry the event stream's token.
      log.info(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000), user: locals(res).user?.username },
        'request',
      );
    });
    next();
  });

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // bpmn-js and form-js set inline styles on the elements they draw.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          // Karvon is often reached over plain HTTP on a LAN; upgrading would break it.
          upgradeInsecureRequests: null,
        },
      },
      strictTransportSecurity: config.production,
    }),
  );

  app.use('/api', (_req, res, next) => {
    // Authenticated data must not be kept by shared caches or the browser's history.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const apiRouter = express.Router();
  const lag = config.maxEventLoopLagMs > 0 ? startLagProbe() : null;
  mountRoutes(apiRouter, routes, {
    authenticate: (token) => identity.authenticate(token),
    bodyLimit: config.bodyLimit,
    deployBodyLimit: config.deployBodyLimit,
    maxJsonDepth: config.maxJsonDepth,
    variables: { maxBytes: config.maxVariablesBytes, maxDepth: config.maxVariablesDepth },
    admission: new Admission({
      maxInFlight: config.maxInFlight,
      maxEventLoopLagMs: config.maxEventLoopLagMs,
      eventLoopLag: lag ? () => lag.current() : undefined,
      retryAfterSeconds: config.overloadRetryAfterSeconds,
      onReject: () => services.metrics.observeOverload(),
    }),
  });
  app.use(apiRouter);

  app.use('/api', (req, _res, next) => next(new RouteNotFoundError(req.method, req.originalUrl.split('?')[0]!)));
  app.use('/designer', staticApp(config.designerDir, 'designer', 'npx vite build designer'));
  app.use(staticApp(config.inboxDir, 'inbox', 'npm run build:inbox'));
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not found: ${req.path}\n`);
  });
  app.use(errorHandler(logger));

  const karvon: KarvonApp = {
    services,
    routes,
    apiRouter,
    close: () => {
      lag?.stop();
      services.events.close();
      services.metrics.close();
    },
  };
  app.locals.karvon = karvon;
  return app;
}

export function karvonOf(app: Express): KarvonApp {
  return app.locals.karvon as KarvonApp;
}

function assertUnique(routes: Route[]): void {
  const seen = new Set<string>();
  for (const r of routes) {
    for (const key of [`${r.method} ${r.path}`, `op ${r.operationId}`]) {
      if (seen.has(key)) throw new Error(`Duplicate route declaration: ${key}`);
      seen.add(key);
    }
  }
}
