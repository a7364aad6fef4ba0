// Jobs for external workers and incidents: straight calls into the engine.

import type { IncidentFilter } from '../../engine/store/port.ts';
import type { IncidentRecord, Variables } from '../../engine/types.ts';
import type { ActivateJobsRequest, ActivatedJob, EngineFacade } from '../engine-facade.ts';

export class JobService {
  constructor(private readonly engine: EngineFacade) {}

  activate(request: ActivateJobsRequest): Promise<ActivatedJob[]> {
    return this.engine.activateJobs(request);
  }

  complete(id: string, variables: Variables | undefined): Promise<void> {
    return this.engine.completeJob(id, variables);
  }

  fail(id: string, failure: { errorMessage: string; retries: number; retryBackoffMs?: number }): Promise<void> {
    return this.engine.failJob(id, failure);
  }

  throwError(id: string, error: { errorCode: string; errorMessage?: string; variables?: Variables }): Promise<void> {
    return this.engine.throwJobError(id, error);
  }
}

export class IncidentService {
  constructor(private readonly engine: EngineFacade) {}

  list(filter: IncidentFilter): Promise<IncidentRecord[]> {
    return this.engine.listIncidents(filter);
  }

  resolve(id: string): Promise<void> {
    return this.engine.resolveIncident(id);
  }
}
