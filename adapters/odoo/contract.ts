// The ERP capability contract as the built-in ERP declares it; see bitrix24/contract.ts for why the
// schemas are taken from the built-in descriptor rather than copied.

import { createErpAdapter } from '../erp/adapter.ts';
import type { ErpService } from '../erp/service.ts';
import type { OperationDescriptor } from '../sdk/descriptor.ts';

export type ContractPart = Pick<OperationDescriptor, 'name' | 'title' | 'description' | 'inputSchema' | 'outputSchema' | 'errors' | 'safeToRetry'>;

const builtIn = createErpAdapter(null as unknown as ErpService);

export function erpContract(name: string): ContractPart {
  const op = builtIn.operations.find((o) => o.name === name);
  if (!op) throw new Error(`The ERP capability has no operation "${name}"`);
  const { handler: _handler, timeoutMs: _timeout, ...contract } = op;
  return contract;
}
