// Server configuration, read from the environment exactly as the public contract's section 3
// describes. Everything else (limits, token lifetime) has a default and an optional variable.

import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ENGINE_LIMITS, type EngineLimits } from '../engine/limits.ts';
import { parseSecretKey } from './connections/secret-box.ts';

export interface ServerConfig {
  port: number;
  /** Host to bind; unset means all interfaces (Node's default). */
  host: string | undefined;
  dataDir: string;
  mongodbUrl: string | null;
  /** Database name when the URL names none (MONGODB_DB); the store defaults to "karvon". */
  mongodbDb: string | null;
  adminPassword: string | null;
  demo: boolean;
  testClock: boolean;
  production: boolean;
  /** Bearer token lifetime. */
  tokenTtlMs: number;
  /** JSON body limits in bytes: deployments carry whole diagrams, everything else is small. */
  bodyLimit: number;
  deployBodyLimit: number;
  /** Deepest nesting of any JSON body (objects and arrays). */
  maxJsonDepth: number;
  /** Largest `variables` document of one request (JSON bytes) and its deepest nesting. */
  maxVariablesBytes: number;
  maxVariablesDepth: number;
  /** Diagram, XML and FEEL bounds handed to the engine (engine/limits.ts). */
  engineLimits: EngineLimits;
  /** API requests served at once; beyond it the API answers 429 at once. 0 turns the bound off. */
  maxInFlight: number;
  /** Event-loop lateness (ms) past which the API answers 429; 0 turns the check off. */
  maxEventLoopLagMs: number;
  /** Retry-After of a 429 for overload, in seconds. */
  overloadRetryAfterSeconds: number;
  /** Failed logins per username and address before throttling starts. */
  loginMaxFailures: number;
  /** First lockout once throttled; each further failure doubles it up to loginMaxLockoutMs. */
  loginLockoutMs: number;
  loginMaxLockoutMs: number;
  /** Passed to express's `trust proxy`, so that req.ip is the client behind a reverse proxy. */
  trustProxy: boolean | string;
  /** Folders of the static web apps. */
  inboxDir: string;
  designerDir: string;
  /** Folder of the diagrams deployed in demo mode. */
  processesDir: string;
  logLevel: string;
  /** Stable name of this node for job leases, so a restarted node releases what it held. */
  nodeId: string;
  /**
   * KARVON_FEED_POLL_MS: how often this node reads the change feed for other nodes' live events
   * (SSE); 0 turns the feed off for a node that never shares its database.
   */
  feedPollMs: number;
  /** KARVON_FEED_OVERLAP_MS: how far back each read looks again, for entries committed late. */
  feedOverlapMs: number;
  /** KARVON_TIMER_DRIVER: 'agenda' (default with MONGODB_URL) or 'store' (the only one without; see docs/mongodb.md). */
  timerDriver: 'store' | 'agenda';
  /** Adapter connections as JSON (KARVON_CONNECTIONS); see adapters/runtime/connections.ts. */
  connections: string | null;
  /**
   * KARVON_SECRET_KEY: the AES-256 key (64 hex digits or base64) that seals connection secrets
   * stored through the API; unset: `secret.key` in the data folder, created on first need.
   */
  secretKey: string | null;
  /** KARVON_ADAPTERS_DIR: a folder whose sub-folders are adapter packages (package.json → karvon.adapters). */
  adaptersDir: string | null;
  /** KARVON_ADAPTER_PACKAGES: npm package names (or paths) resolved from the working directory. */
  adapterPackages: string[];
  /** KARVON_RETENTION_DAYS: ended instances and their records are removed after this long; 0 keeps them. */
  retentionTtlMs: number;
  /** KARVON_RETENTION_INTERVAL_SECONDS: how often each node runs the retention job. */
  retentionEveryMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const projectRoot = path.resolve(import.meta.dirname, '..');

export function readConfig(env: Env = process.env): ServerConfig {
  const production = env.NODE_ENV === 'production';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const adminPassword = nonEmpty(env.KARVON_ADMIN_PASSWORD);
  if (production && !adminPassword) {
    throw new ConfigError('KARVON_ADMIN_PASSWORD must be set when NODE_ENV=production.');
  }
  return {
    port,
    host: nonEmpty(env.KARVON_HOST) ?? undefined,
    dataDir: path.resolve(nonEmpty(env.KARVON_DATA_DIR) ?? './data'),
    mongodbUrl: nonEmpty(env.MONGODB_URL),
    mongodbDb: nonEmpty(env.MONGODB_DB),
    adminPassword,
    // Production never seeds demo accounts, whatever KARVON_DEMO says.
    demo: !production && flag(env, 'KARVON_DEMO'),
    testClock: flag(env, 'KARVON_TEST_CLOCK'),
    production,
    tokenTtlMs: integer(env, 'KARVON_TOKEN_TTL_MINUTES', 12 * 60, 1, 60 * 24 * 365) * 60_000,
    bodyLimit: bytes(env, 'KARVON_BODY_LIMIT', 1024 * 1024),
    deployBodyLimit: bytes(env, 'KARVON_DEPLOY_BODY_LIMIT', 10 * 1024 * 1024),
    maxJsonDepth: integer(env, 'KARVON_MAX_JSON_DEPTH', 64, 2, 10_000),
    maxVariablesBytes: bytes(env, 'KARVON_MAX_VARIABLES_BYTES', 512 * 1024),
    maxVariablesDepth: integer(env, 'KARVON_MAX_VARIABLES_DEPTH', 32, 1, 10_000),
    engineLimits: {
      maxDiagramBytes: bytes(env, 'KARVON_MAX_DIAGRAM_BYTES', DEFAULT_ENGINE_LIMITS.maxDiagramBytes),
      maxXmlDepth: integer(env, 'KARVON_MAX_XML_DEPTH', DEFAULT_ENGINE_LIMITS.maxXmlDepth, 10, 10_000),
      maxXmlAttributeLength: integer(env, 'KARVON_MAX_XML_ATTRIBUTE_LENGTH', DEFAULT_ENGINE_LIMITS.maxXmlAttributeLength, 100, 100_000_000),
      maxFeelLength: integer(env, 'KARVON_MAX_FEEL_LENGTH', DEFAULT_ENGINE_LIMITS.maxFeelLength, 10, 10_000_000),
      maxFeelRange: integer(env, 'KARVON_MAX_FEEL_RANGE', DEFAULT_ENGINE_LIMITS.maxFeelRange, 1, 1_000_000_000),
      feelBudgetMs: integer(env, 'KARVON_FEEL_BUDGET_MS', DEFAULT_ENGINE_LIMITS.feelBudgetMs, 1, 600_000),
      maxParallelMultiInstance: integer(env, 'KARVON_MAX_PARALLEL_MULTI_INSTANCE', DEFAULT_ENGINE_LIMITS.maxParallelMultiInstance, 1, 10_000_000),
      maxInstanceVariablesBytes: bytes(env, 'KARVON_MAX_INSTANCE_VARIABLES_BYTES', DEFAULT_ENGINE_LIMITS.maxInstanceVariablesBytes),
    },
    maxInFlight: integer(env, 'KARVON_MAX_IN_FLIGHT', 128, 0, 1_000_000),
    maxEventLoopLagMs: integer(env, 'KARVON_MAX_EVENT_LOOP_LAG_MS', 0, 0, 600_000),
    overloadRetryAfterSeconds: integer(env, 'KARVON_OVERLOAD_RETRY_AFTER_SECONDS', 1, 1, 3600),
    loginMaxFailures: integer(env, 'KARVON_LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginLockoutMs: integer(env, 'KARVON_LOGIN_LOCKOUT_SECONDS', 30, 1, 86_400) * 1000,
    loginMaxLockoutMs: 15 * 60_000,
    trustProxy: trustProxy(env.KARVON_TRUST_PROXY),
    inboxDir: path.resolve(nonEmpty(env.KARVON_INBOX_DIR) ?? path.join(projectRoot, 'server/inbox/dist')),
    designerDir: path.resolve(nonEmpty(env.KARVON_DESIGNER_DIR) ?? path.join(projectRoot, 'designer/dist')),
    processesDir: path.resolve(nonEmpty(env.KARVON_PROCESSES_DIR) ?? path.join(projectRoot, 'processes')),
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    connections: nonEmpty(env.KARVON_CONNECTIONS),
    secretKey: secretKey(env),
    adaptersDir: nonEmpty(env.KARVON_ADAPTERS_DIR) === null ? null : path.resolve(env.KARVON_ADAPTERS_DIR!.trim()),
    adapterPackages: list(env.KARVON_ADAPTER_PACKAGES),
    retentionTtlMs: integer(env, 'KARVON_RETENTION_DAYS', 0, 0, 36_500) * 86_400_000,
    retentionEveryMs: integer(env, 'KARVON_RETENTION_INTERVAL_SECONDS', 300, 1, 86_400) * 1000,
    // Port 0 (tests) has no stable number; the process id keeps such nodes apart.
    nodeId: nonEmpty(env.KARVON_NODE_ID) ?? `${os.hostname()}:${port === 0 ? `pid${process.pid}` : port}`,
    feedPollMs: integer(env, 'KARVON_FEED_POLL_MS', 300, 0, 600_000),
    feedOverlapMs: integer(env, 'KARVON_FEED_OVERLAP_MS', 5000, 0, 600_000),
    timerDriver: timerDriver(env.KARVON_TIMER_DRIVER, nonEmpty(env.MONGODB_URL) !== null),
  };
}

/** Defaults for an app built in tests or embedded: no demo, small limits as in production. */
export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...readConfig({ KARVON_DEMO: '0' }), ...overrides };
}

/** Checked at start-up, so a malformed key stops the server before anything is sealed with it. */
function secretKey(env: Env): string | null {
  const value = nonEmpty(env.KARVON_SECRET_KEY);
  try {
    parseSecretKey(value);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return value;
}

function timerDriver(value: string | undefined, mongo: boolean): 'store' | 'agenda' {
  const v = nonEmpty(value)?.trim() ?? (mongo ? 'agenda' : 'store');
  if (v !== 'store' && v !== 'agenda') throw new ConfigError(`KARVON_TIMER_DRIVER must be 'store' or 'agenda', not '${v}'.`);
  if (v === 'agenda' && !mongo) throw new ConfigError('KARVON_TIMER_DRIVER=agenda needs MONGODB_URL: agenda keeps its jobs in MongoDB.');
  return v;
}

function nonEmpty(value: string | undefined): string | null {
  return value !== undefined && value.trim() !== '' ? value : null;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function flag(env: Env, name: string): boolean {
  const value = nonEmpty(env[name]);
  if (value === null) return false;
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1 or 0, got "${value}".`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = nonEmpty(env[name]);
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return n;
}

function bytes(env: Env, name: string, fallback: number): number {
  const value = nonEmpty(env[name]);
  if (value === null) return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(value.trim());
  if (!match) throw new ConfigError(`${name} must be a size such as 1mb or 500kb, got "${value}".`);
  const unit = (match[2] ?? 'b').toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

function trustProxy(value: string | undefined): boolean | string {
  const v = nonEmpty(value);
  if (v === null || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  return v;
}
