// The store's public surface: everything outside store/ imports from here, and nothing inside does.
export { openStore } from './open-store.js';
export type { Store } from './store.js';
export type { Repositories } from './repositories.js';
export type { StoreLocation } from './location.js';
export type { AppendOptions } from './message-batches.js';
export type { AuditPageQuery } from './audit-log.js';
export type * from './records.js';
export { PENDING_TURN_TTL_MS } from './pending-turns.js';
