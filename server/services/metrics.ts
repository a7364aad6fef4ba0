// Prometheus metrics on a registry of our own (not prom-client's global one), so that several
// apps in one process (tests) do not collide. Gauges read the store when scraped.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineFacade } from '../engine-facade.ts';

export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly commandSeconds: Histogram<'command'>;
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly auditFailures: Counter;
  private readonly overloadRejections: Counter;
  private readonly purged: Counter;

  private readonly unsubscribe: () => void;

  constructor(engine: EngineFacade) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'karvon_' });
    this.commands = new Counter({
      name: 'karvon_commands_total',
      help: 'Engine commands applied, by command and outcome; rate() gives commands/s.',
      labelNames: ['command', 'outcome'],
      registers,
    });
    this.commandSeconds = new Histogram({
      name: 'karvon_command_duration_seconds',
      help: 'Latency of engine commands, from load to commit.',
      labelNames: ['command'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'karvon_http_request_duration_seconds',
      help: 'HTTP request latency by route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.auditFailures = new Counter({
      name: 'karvon_audit_write_failures_total',
      help: 'Actions that succeeded but whose audit entry could not be stored (it went to the error log instead).',
      registers,
    });
    this.overloadRejections = new Counter({
      name: 'karvon_http_overload_rejections_total',
      help: 'API requests answered 429 OVERLOADED because too many were in flight.',
      registers,
    });
    this.purged = new Counter({
      name: 'karvon_retention_purged_instances_total',
      help: 'Ended instances this node removed with their records under the retention period (KARVON_RETENTION_DAYS).',
      registers,
    });
    // The engine times every command it applies (start, completeTask, completeJob, ...).
    this.unsubscribe = engine.on((event) => {
      if (event.type === 'command') this.observeCommand(event.command, event.durationMs / 1000, event.ok);
    });
    const store = engine.store;
    new Gauge({
      name: 'karvon_open_tasks',
      help: 'User tasks waiting to be completed.',
      registers,
      async collect() {
        this.set((await store.listTasks({ state: 'open' })).length);
      },
    });
    new Gauge({
      name: 'karvon_open_incidents',
      help: 'Incidents waiting to be resolved.',
      registers,
      async collect() {
        this.set((await store.listIncidents({ state: 'open' })).length);
      },
    });
    new Gauge({
      name: 'karvon_job_queue_depth',
      help: 'Jobs available to workers now (unlocked or with an expired lock).',
      registers,
      async collect() {
        this.set(await store.countAvailableJobs(null, engine.clock.now()));
      },
    });
  }

  observeCommand(command: string, seconds: number, ok: boolean): void {
    this.commands.inc({ command, outcome: ok ? 'ok' : 'error' });
    this.commandSeconds.observe({ command }, seconds);
  }

  auditWriteFailed(): void {
    this.auditFailures.inc();
  }

  observePurged(instances: number): void {
    this.purged.inc(instances);
  }

  close(): void {
    this.unsubscribe();
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestSeconds.observe({ method, route, status: String(status) }, seconds);
  }

  observeOverload(): void {
    this.overloadRejections.inc();
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
