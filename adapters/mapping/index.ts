export * from './address.ts';
export * from './countries.ts';
export * from './rules.ts';
export * from './customer.ts';
export * from './lines.ts';
export * from './drift.ts';
