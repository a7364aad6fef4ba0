// The CRM → ERP mapping, declared as data: each ERP field, whether the ERP requires it, where it
// comes from in the CRM customer, what type it must have, and what a person should do when it is
// wrong. The mapping functions, the drift check and the tests all read this one table.

export type FieldType = 'string' | 'number' | 'email' | 'enum' | 'address';

export interface FieldRule {
  /** The ERP field (dotted for nested fields). */
  target: string;
  /** Where the value comes from in the CRM customer (dotted; `phones[0]` for the first). */
  source: string;
  required: boolean;
  type: FieldType;
  /** Allowed values, for `enum`. */
  values?: readonly string[];
  /** The sentence a person reads to fix the record in the CRM. */
  fix: string;
}

export const CUSTOMER_TO_PARTNER: readonly FieldRule[] = [
  { target: 'externalRef', source: 'id', required: true, type: 'string', fix: 'Send the CRM customer id with the request' },
  { target: 'name', source: 'name', required: true, type: 'string', fix: 'Enter the customer name in the CRM' },
  { target: 'kind', source: 'kind', required: false, type: 'enum', values: ['company', 'person'], fix: 'Set the customer type to company or person in the CRM' },
  { target: 'taxId', source: 'taxId', required: true, type: 'string', fix: "Enter the customer's tax id (INN / STIR / VAT number) in the CRM as text" },
  { target: 'phone', source: 'phones[0]', required: false, type: 'string', fix: 'Correct the first phone number in the CRM' },
  { target: 'email', source: 'emails[0]', required: false, type: 'email', fix: 'Correct the first e-mail address in the CRM' },
  { target: 'paymentTermDays', source: 'paymentTermDays', required: false, type: 'number', fix: 'Enter the payment term as a number of days, without text' },
  {
    target: 'address',
    source: 'address',
    required: true,
    type: 'address',
    fix: 'Complete the address in the CRM as "street and house, district, city, postcode, country", e.g. "Bunyodkor ko\'chasi 12, Chilonzor tumani, Toshkent sh., 100115, Uzbekistan"',
  },
];

/** The ERP fields an `address` rule fills. */
export const ADDRESS_TARGET_FIELDS = ['street', 'street2', 'city', 'region', 'postcode', 'countryCode', 'raw'] as const;

/** Every ERP field the mapping writes, addresses expanded: what the drift check looks for. */
export function mappedTargetFields(rules: readonly FieldRule[] = CUSTOMER_TO_PARTNER): string[] {
  return rules.flatMap((rule) => (rule.type === 'address' ? ADDRESS_TARGET_FIELDS.map((f) => `${rule.target}.${f}`) : [rule.target]));
}

/** The subset the mapping cannot do without. */
export function requiredTargetFields(rules: readonly FieldRule[] = CUSTOMER_TO_PARTNER): string[] {
  return rules
    .filter((rule) => rule.required)
    .flatMap((rule) => (rule.type === 'address' ? ['street', 'city', 'countryCode'].map((f) => `${rule.target}.${f}`) : [rule.target]));
}
