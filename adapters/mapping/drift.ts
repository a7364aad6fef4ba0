// Drift: the target system changes (a field renamed or removed) and integrations break silently.
// This check runs on connection tests and deploys so that it fails loudly before a customer waits.

import { CUSTOMER_TO_PARTNER, mappedTargetFields, requiredTargetFields, type FieldRule } from './rules.ts';

export interface DriftProblem {
  field: string;
  required: boolean;
  message: string;
}

export interface DriftReport {
  ok: boolean;
  /** Fields the mapping writes that the target no longer declares. */
  problems: DriftProblem[];
}

/**
 * Compares the fields a mapping needs with what the target system declares now (for the built-in
 * ERP `describeFields().partner`; for an external ERP what its metadata API reports).
 */
export function checkMappingAgainst(targetFields: readonly string[], rules: readonly FieldRule[] = CUSTOMER_TO_PARTNER): DriftReport {
  const declared = new Set(targetFields);
  const required = new Set(requiredTargetFields(rules));
  const problems: DriftProblem[] = mappedTargetFields(rules)
    .filter((field) => !declared.has(field))
    .map((field) => ({
      field,
      required: required.has(field),
      message: required.has(field)
        ? `the mapping fills required field "${field}", which the target no longer declares`
        : `the mapping fills "${field}", which the target no longer declares; the value would be dropped`,
    }));
  return { ok: problems.length === 0, problems };
}
