// CRM customer → ERP partner, by the declared rules. Every problem is collected first and reported
// together in one business error naming the customer, the field and the fix; nothing is written
// until the whole record maps, so there is never a half-created partner.

import { businessError, type AdapterError } from '../sdk/errors.ts';
import type { Json } from '../sdk/json.ts';
import { parseAddress, describeAddressProblems, type ParsedAddress, type StructuredAddress } from './address.ts';
import { CUSTOMER_TO_PARTNER, type FieldRule } from './rules.ts';

export interface PartnerData {
  externalRef: string;
  name: string;
  kind: 'company' | 'person';
  taxId: string;
  phone: string | null;
  email: string | null;
  paymentTermDays: number | null;
  address: StructuredAddress & { raw: string };
}

export interface MappingProblem {
  /** The ERP field. */
  field: string;
  /** Where it comes from in the CRM. */
  source: string;
  problem: string;
  fix: string;
}

export const ADDRESS_INCOMPLETE = 'ADDRESS_INCOMPLETE';
export const CUSTOMER_DATA_INVALID = 'CUSTOMER_DATA_INVALID';

export interface MapOptions {
  /** Assumed when the address names no country; still sends the address to a person. */
  defaultCountry?: string;
}

export type MapResult = { ok: true; partner: PartnerData; address: ParsedAddress } | { ok: false; problems: MappingProblem[]; address: ParsedAddress | null };

function read(source: unknown, path: string): unknown {
  let value: unknown = source;
  for (const segment of path.split('.')) {
    const match = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(segment);
    if (!match || value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[match[1]];
    if (match[2] !== undefined) value = Array.isArray(value) ? value[Number(match[2])] : undefined;
  }
  return value;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkField(rule: FieldRule, value: unknown): { value?: unknown; problem?: string } {
  const empty = value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  if (empty) return rule.required ? { problem: 'is missing' } : { value: null };
  switch (rule.type) {
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return { value };
      if (typeof value === 'string') return { problem: `arrived as text "${value}" where a number is expected` };
      return { problem: `must be a number, got ${typeof value}` };
    case 'string':
      if (typeof value === 'string') return { value: value.trim() };
      // A tax id kept as a number has already lost its leading zeros; do not guess them back.
      if (typeof value === 'number') return { problem: `arrived as the number ${value} where text is expected` };
      return { problem: `must be text, got ${typeof value}` };
    case 'email':
      if (typeof value === 'string' && EMAIL.test(value.trim())) return { value: value.trim() };
      return { problem: `"${String(value)}" is not an e-mail address` };
    case 'enum':
      if (typeof value === 'string' && (rule.values ?? []).includes(value)) return { value };
      return { problem: `"${String(value)}" is not one of ${(rule.values ?? []).join(', ')}` };
    case 'address':
      if (typeof value !== 'string') return { problem: `must be the address text, got ${typeof value}` };
      return { value };
  }
}

/** Maps without throwing; `mapCustomerToPartner` turns problems into the business error. */
export function tryMapCustomerToPartner(customer: unknown, options: MapOptions = {}, rules: readonly FieldRule[] = CUSTOMER_TO_PARTNER): MapResult {
  const problems: MappingProblem[] = [];
  const values: Record<string, unknown> = {};
  let address: ParsedAddress | null = null;
  for (const rule of rules) {
    const checked = checkField(rule, read(customer, rule.source));
    if (checked.problem) {
      problems.push({ field: rule.target, source: rule.source, problem: checked.problem, fix: rule.fix });
      continue;
    }
    if (rule.type === 'address' && typeof checked.value === 'string') {
      address = parseAddress(checked.value, options);
      if (address.confidence !== 'high' || !address.structured) {
        problems.push({ field: rule.target, source: rule.source, problem: `"${address.raw}" cannot be structured confidently: ${describeAddressProblems(address)}`, fix: rule.fix });
        continue;
      }
      values[rule.target] = { ...address.structured, raw: address.raw };
      continue;
    }
    values[rule.target] = checked.value;
  }
  if (problems.length > 0) return { ok: false, problems, address };
  return {
    ok: true,
    address: address!,
    partner: {
      externalRef: String(values.externalRef),
      name: String(values.name),
      kind: (values.kind as PartnerData['kind'] | null) ?? 'company',
      taxId: String(values.taxId),
      phone: (values.phone as string | null) ?? null,
      email: (values.email as string | null) ?? null,
      paymentTermDays: (values.paymentTermDays as number | null) ?? null,
      address: values.address as PartnerData['address'],
    },
  };
}

/**
 * Maps or throws a business error: ADDRESS_INCOMPLETE when the address is among the problems (the
 * process sends it to sales to fix in the CRM), CUSTOMER_DATA_INVALID otherwise.
 */
export function mapCustomerToPartner(customer: unknown, options: MapOptions = {}, rules: readonly FieldRule[] = CUSTOMER_TO_PARTNER): { partner: PartnerData; address: ParsedAddress } {
  const result = tryMapCustomerToPartner(customer, options, rules);
  if (result.ok) return { partner: result.partner, address: result.address };
  throw mappingError(customer, result.problems, result.address);
}

export function mappingError(customer: unknown, problems: MappingProblem[], address: ParsedAddress | null): AdapterError {
  const id = read(customer, 'id');
  const name = read(customer, 'name');
  const who = `Customer ${typeof name === 'string' && name !== '' ? `"${name}"` : '(no name)'}${typeof id === 'string' ? ` (${id})` : ''}`;
  const addressProblem = problems.some((p) => p.field === 'address');
  const code = addressProblem ? ADDRESS_INCOMPLETE : CUSTOMER_DATA_INVALID;
  const text = problems.map((p) => `${p.field} (from CRM ${p.source}) ${p.problem}. Fix: ${p.fix}`).join(' ');
  const details: Json = {
    customerId: typeof id === 'string' ? id : null,
    customerName: typeof name === 'string' ? name : null,
    field: problems[0].field,
    problems: problems.map((p) => ({ ...p })),
    ...(address
      ? {
          address: {
            raw: address.raw,
            confidence: address.confidence,
            missing: [...address.missing],
            notes: [...address.notes],
            parsed: address.structured ? { ...address.structured } : null,
          },
        }
      : {}),
  };
  return businessError(code, `${who}: ${text}`, details);
}
