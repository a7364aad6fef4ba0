// Deployments and process definitions: thin calls into the engine, recording who deployed.

import { NotFoundError } from '../../engine/errors.ts';
import type { Json } from '../../engine/types.ts';
import type { DeployResult, EngineFacade, ProcessDetail, ProcessSummary } from '../engine-facade.ts';
import type { AuthUser } from '../http/route.ts';
import type { AuditTrail } from './audit.ts';

export class ProcessService {
  constructor(
    private readonly engine: EngineFacade,
    private readonly audit: AuditTrail,
  ) {}

  async deploy(user: AuthUser, resources: { name: string; content: string }[]): Promise<DeployResult> {
    const result = await this.engine.deploy(resources, { deployedBy: user.username });
    // An identical redeploy changes nothing, so there is nothing to record.
    if (result.created) {
      await this.audit.record('process.deployed', [result.deploymentId, ...result.processes.map((p) => p.key)], {
        processes: result.processes.map((p) => ({ key: p.key, version: p.version })),
        resources: resources.map((r) => r.name),
      });
    }
    return result;
  }

  list(): Promise<ProcessSummary[]> {
    return this.engine.listProcesses();
  }

  get(key: string): Promise<ProcessDetail> {
    return this.engine.getProcess(key);
  }

  xml(key: string, version?: number): Promise<string> {
    return this.engine.getProcessXml(key, version);
  }

  async form(id: string, context?: { processKey: string; version?: number }): Promise<Json> {
    const form = await this.engine.getForm(id, context);
    if (form === null) throw new NotFoundError(context ? `No form "${id}" is deployed for process "${context.processKey}".` : `No form "${id}" is deployed.`);
    return form;
  }

  /** Whether this user deployed some version of the process: "the process's analyst". */
  async isOwner(user: AuthUser, processKey: string): Promise<boolean> {
    const detail = await this.engine.getProcess(processKey);
    return detail.versions.some((v) => v.deployedBy === user.username);
  }
}
