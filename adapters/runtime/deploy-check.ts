// The deploy-time half of the mapping drift check (issue 4 item 7): a diagram whose service task
// writes through the CRM → ERP mapping is rejected while the target ERP no longer declares a field
// the mapping fills, so the break shows at deploy rather than when a customer's order runs.

import type { DeployCandidate, DeployCheck } from '../../engine/deployments.ts';
import type { ErrorDetail } from '../../engine/errors.ts';
import { checkMappingAgainst, type DriftReport } from '../mapping/drift.ts';
import type { TargetFields } from '../sdk/descriptor.ts';
import type { Connection } from './connections.ts';
import type { LogSink } from './handler.ts';

/** ERP operations whose input goes through the CRM → ERP partner mapping. */
export const MAPPED_ERP_OPERATIONS: ReadonlySet<string> = new Set(['requestShipment', 'upsertPartner']);

export interface DriftCheckerOptions {
  /** The connections as they are now (they change when an admin edits one through the API). */
  connections: () => readonly Connection[];
  /** Reads a connection's declared fields (describeFields with a context). */
  describe(connection: Connection, timeoutMs: number): Promise<TargetFields>;
  log?: LogSink;
  /** How long a connection's field list is reused; deploys in a burst ask the ERP once. */
  cacheMs?: number;
  /** A deploy waits at most this long for the ERP; past it the deploy goes ahead unchecked. */
  timeoutMs?: number;
  now?: () => number;
}

export class DriftChecker {
  private readonly cache = new Map<string, { at: number; fields: Promise<readonly string[]>; of: Connection | null }>();
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: DriftCheckerOptions) {
    this.cacheMs = options.cacheMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    // Wall time, not the engine clock: the cache is about load on the ERP, not business time.
    this.now = options.now ?? Date.now;
  }

  /** The connection that a task type's mapped operation runs on, or null when the check does not apply. */
  mappedConnection(taskType: string): Connection | null {
    const dot = taskType.indexOf('.');
    if (dot <= 0) return null;
    const name = taskType.slice(0, dot);
    const operation = taskType.slice(dot + 1);
    // Unknown connections and operations are external-worker job types by contract: not ours to judge.
    const connection = this.options.connections().find((c) => c.name === name);
    if (!connection || connection.adapter.capability !== 'erp' || !connection.adapter.describeFields) return null;
    if (!MAPPED_ERP_OPERATIONS.has(operation) || !connection.adapter.operations.some((op) => op.name === operation)) return null;
    return connection;
  }

  /** Fresh fields on the next check (a connection test just asked the system anyway). */
  remember(connection: string, partnerFields: readonly string[]): void {
    this.cache.set(connection, { at: this.now(), fields: Promise.resolve(partnerFields), of: null });
  }

  /** Drops what is known of a connection's fields: its configuration changed, so ask the new one. */
  forget(connection: string): void {
    this.cache.delete(connection);
  }

  /**
   * Drift of one connection, or null when its system could not be asked in time: an unreachable
   * ERP must not block deploys (the jobs retry or raise incidents when they run).
   */
  async drift(connection: Connection): Promise<DriftReport | null> {
    let entry = this.cache.get(connection.name);
    // A list read from another binding of the name (before its configuration changed) is not reused.
    if (!entry || this.now() - entry.at > this.cacheMs || (entry.of !== null && entry.of !== connection)) {
      const fields = this.options.describe(connection, this.timeoutMs).then((f) => f.partner ?? []);
      entry = { at: this.now(), fields, of: connection };
      this.cache.set(connection.name, entry);
      // Failures are not remembered, so the next deploy asks again.
      fields.catch(() => {
        if (this.cache.get(connection.name) === entry) this.cache.delete(connection.name);
      });
    }
    try {
      return checkMappingAgainst(await entry.fields);
    } catch (error) {
      this.options.log?.('warn', 'deploy drift check skipped: the connection did not answer', {
        connection: connection.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }

  readonly check: DeployCheck = async (processes: readonly DeployCandidate[]): Promise<ErrorDetail[]> => {
    const uses: Array<{ resource: string; elementId: string; elementType: string; connection: Connection }> = [];
    for (const p of processes) {
      for (const el of p.model.elements.values()) {
        // A FEEL task type is only known at run time; the run-time mapping errors cover it.
        if (!el.job || el.job.type.feel) continue;
        const connection = this.mappedConnection(el.job.type.raw.trim());
        if (connection) uses.push({ resource: p.resource, elementId: el.id, elementType: el.type, connection });
      }
    }
    if (uses.length === 0) return [];
    const reports = new Map<string, Promise<DriftReport | null>>();
    for (const u of uses) if (!reports.has(u.connection.name)) reports.set(u.connection.name, this.drift(u.connection));
    const details: ErrorDetail[] = [];
    for (const u of uses) {
      const report = await reports.get(u.connection.name)!;
      if (!report || report.ok) continue;
      for (const problem of report.problems) {
        details.push({
          path: u.resource,
          elementId: u.elementId,
          elementType: u.elementType,
          message: `connection "${u.connection.name}" (${u.connection.adapter.title}): ${problem.message} (field "${problem.field}"); restore the field in the target system or change the mapping`,
        });
      }
    }
    return details;
  };
}
