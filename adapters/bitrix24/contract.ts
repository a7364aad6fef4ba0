// The CRM capability contract as the built-in CRM declares it. Taking the schemas from the
// built-in descriptor (its handlers are never called here) keeps this adapter's operations the same
// contract by construction: a diagram written against one runs against the other.

import { createCrmAdapter } from '../crm/adapter.ts';
import type { CrmService } from '../crm/service.ts';
import type { OperationDescriptor } from '../sdk/descriptor.ts';

export type ContractPart = Pick<OperationDescriptor, 'name' | 'title' | 'description' | 'inputSchema' | 'outputSchema' | 'errors' | 'safeToRetry'>;

const builtIn = createCrmAdapter(null as unknown as CrmService);

export function crmContract(name: string): ContractPart {
  const op = builtIn.operations.find((o) => o.name === name);
  if (!op) throw new Error(`The CRM capability has no operation "${name}"`);
  const { handler: _handler, timeoutMs: _timeout, ...contract } = op;
  return contract;
}
