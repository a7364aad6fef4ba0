// The designer builds its DOM with the inbox's small helpers: one copy for both web apps.
export * from '../../server/inbox/src/dom.ts';
