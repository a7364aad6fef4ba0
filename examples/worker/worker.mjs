#!/usr/bin/env node
// An external Karvon worker in plain Node (18+), with no Karvon code: it signs in, leases jobs of
// one task type over the public HTTP API, and answers each with complete, a BPMN error, or fail.
// Copy it, replace `handle`, and run it next to any Karvon server.

const config = {
  url: (process.env.KARVON_URL ?? 'http://localhost:3000').replace(/\/+$/, ''),
  username: process.env.KARVON_USERNAME ?? 'dev',
  password: process.env.KARVON_PASSWORD ?? '',
  type: process.env.JOB_TYPE ?? 'shipping.quote',
  worker: process.env.WORKER_NAME ?? `quote-worker-${process.pid}`,
  maxJobs: Number(process.env.MAX_JOBS ?? 5),
  // Long enough to finish a job; if the worker dies, the job is offered again after this.
  lockMs: Number(process.env.LOCK_MS ?? 60_000),
  pollMs: Number(process.env.POLL_MS ?? 1_000),
  once: process.argv.includes('--once'),
};

/** A business outcome the diagram models with an error boundary event (`errorCode`). */
class BpmnError extends Error {
  constructor(code, message, variables = {}) {
    super(message);
    this.code = code;
    this.variables = variables;
  }
}

/**
 * The work itself: the job's variables in, result variables out. Throw BpmnError for outcomes the
 * process handles; throw anything else for a technical failure (retried, then an incident).
 */
async function handle(job) {
  const { weightKg, countryCode } = job.variables;
  if (typeof weightKg !== 'number' || weightKg <= 0) throw new BpmnError('INVALID_PARCEL', 'weightKg must be a positive number');
  const zones = { UZ: 1, KZ: 2, KG: 2, TJ: 2, RU: 3 };
  const zone = zones[countryCode];
  if (zone === undefined) throw new BpmnError('NO_ROUTE', `No carrier delivers to ${countryCode ?? 'an unknown country'}`, { countryCode: countryCode ?? null });
  const price = Math.round((25_000 + weightKg * 4_000) * zone);
  return { quote: { carrier: zone === 1 ? 'UzPost' : 'CDEK', price, currency: 'UZS', days: zone * 2 } };
}

let token = null;

async function api(method, path, body) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(config.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (res.status === 401 && token && path !== '/api/auth/login') {
    // The token expired: sign in again and repeat once.
    token = null;
    await signIn();
    return api(method, path, body);
  }
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${parsed?.error?.message ?? text}`);
  return parsed;
}

async function signIn() {
  const { token: fresh } = await api('POST', '/api/auth/login', { username: config.username, password: config.password });
  token = fresh;
}

async function work(job) {
  try {
    const variables = await handle(job);
    await api('POST', `/api/jobs/${job.id}/complete`, { variables });
    log(`completed ${job.id}`);
  } catch (error) {
    if (error instanceof BpmnError) {
      await api('POST', `/api/jobs/${job.id}/error`, { errorCode: error.code, errorMessage: error.message, variables: error.variables });
      log(`threw ${error.code} for ${job.id}`);
      return;
    }
    // Technical: one retry fewer, and a growing pause before the next attempt.
    const retries = Math.max(0, job.retries - 1);
    await api('POST', `/api/jobs/${job.id}/fail`, { errorMessage: String(error?.message ?? error), retries, retryBackoffMs: 5_000 * 2 ** Math.max(0, 2 - retries) });
    log(`failed ${job.id} (${retries} retries left): ${error?.message ?? error}`);
  }
}

function log(message) {
  console.log(`[${config.worker}] ${message}`);
}

async function main() {
  await signIn();
  log(`polling ${config.url} for "${config.type}" jobs`);
  for (;;) {
    const jobs = await api('POST', '/api/jobs/activate', { type: config.type, worker: config.worker, maxJobs: config.maxJobs, lockMs: config.lockMs });
    // Jobs are independent: answer them concurrently.
    await Promise.all(jobs.map(work));
    if (config.once) return;
    if (jobs.length === 0) await new Promise((resolve) => setTimeout(resolve, config.pollMs));
  }
}

main().catch((error) => {
  console.error(`[${config.worker}] stopped: ${error.message}`);
  process.exit(1);
});
