// Jobs for external workers and incidents: straight calls into the engine.

import type { IncidentFilter } from '../../engine/store/port.ts';
import type { IncidentRecord, Variables } from '../../engine/types.ts';
import type { ActivateJobsRequest, ActivatedJob, EngineFacade } from '../engine-facade.ts';
import type { AuditTrail } from './audit.ts';

export class JobService {
  constructor(
    private readonly engine: EngineFacade,
    private readonly audit: AuditTrail,
  ) {}

  activate(request: ActivateJobsRequest): Promise<ActivatedJob[]> {
    return this.engine.activateJobs(request);
  }

  async complete(id: string, variables: Variables | undefined): Promise<void> {
    await this.engine.completeJob(id, variables);
    await this.audit.record('job.completed', [id], { variables: Object.keys(variables ?? {}) });
  }

  async fail(id: string, failure: { errorMessage: string; retries: number; retryBackoffMs?: number }): Promise<void> {
    await this.engine.failJob(id, failure);
    // The message stays in the job and incident; the trail keeps who reported what outcome.
    await this.audit.record('job.failed', [id], { retries: failure.retries });
  }

  async throwError(id: string, error: { errorCode: string; errorMessage?: string; variables?: Variables }): Promise<void> {
    await this.engine.throwJobError(id, error);
    await this.audit.record('job.error-thrown', [id], { errorCode: error.errorCode });
  }
}

export class IncidentService {
  constructor(
    private readonly engine: EngineFacade,
    private readonly audit: AuditTrail,
  ) {}

  list(filter: IncidentFilter): Promise<IncidentRecord[]> {
    return this.engine.listIncidents(filter);
  }

  async resolve(id: string): Promise<void> {
    await this.engine.resolveIncident(id);
    await this.audit.record('incident.resolved', [id]);
  }
}
