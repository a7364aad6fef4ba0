// Collections the multi-node fixture writes and the test reads (kept apart from node.ts, which
// starts an engine as soon as it is imported).

/** One booking per job activation, keyed by the idempotency key. */
export const BOOKINGS = { name: 'erp_bookings', indexes: ['instanceId'] };
/** Every attempt of the booking handler, whatever its outcome. */
export const ATTEMPTS = { name: 'erp_attempts', indexes: ['key', 'node'] };
