// Which stored version of a process a call activity starts, by Camunda 8's binding types:
// `latest` at activation, `deployment` (the version deployed together with the caller's own
// version) or `versionTag` (the highest version whose process carries that zeebe:versionTag).
// A version that cannot be found is reported as a message for an incident on the call activity.

import type { CallBinding } from './model/types.ts';
import type { DefinitionRecord, Store } from './store/port.ts';

export type CalledVersion = { ok: true; definition: DefinitionRecord } | { ok: false; message: string };

export interface Caller {
  /** The call activity's element id. */
  elementId: string;
  /** The definition (process version) the call activity belongs to. */
  definitionId: string;
}

export async function resolveCalledVersion(store: Store, processId: string, binding: CallBinding, caller: Caller): Promise<CalledVersion> {
  if (binding.type === 'latest') {
    const definition = await store.findDefinition(processId);
    return definition ? { ok: true, definition } : { ok: false, message: `called process '${processId}' is not deployed` };
  }
  if (binding.type === 'versionTag') {
    const definition = await store.findDefinitionByVersionTag(processId, binding.versionTag);
    if (definition) return { ok: true, definition };
    return {
      ok: false,
      message: `call activity '${caller.elementId}': no deployed version of process '${processId}' has version tag '${binding.versionTag}'; deploy one and resolve this incident`,
    };
  }
  return sameDeployment(store, processId, caller);
}

async function sameDeployment(store: Store, processId: string, caller: Caller): Promise<CalledVersion> {
  const own = await store.getDefinition(caller.definitionId);
  if (!own) return { ok: false, message: `call activity '${caller.elementId}': its own definition ${caller.definitionId} is missing from the store` };
  const deployment = await store.getDeployment(own.deploymentId);
  const listed = deployment?.processes.find((p) => p.key === processId);
  // Deployments recorded before the process list only know the versions they created.
  const definition = listed
    ? await store.findDefinition(processId, listed.version)
    : ((await store.listDefinitions(processId)).find((d) => d.deploymentId === own.deploymentId) ?? null);
  if (definition) return { ok: true, definition };
  return {
    ok: false,
    message: `call activity '${caller.elementId}' binds to its deployment, but process '${processId}' was not deployed together with '${own.key}' version ${own.version} (deployment ${own.deploymentId})`,
  };
}
