import type { Backend } from '../backend.js';
import { postgresMessageTransactions } from './append-messages.js';
import { createPostgresDialect, type PostgresOptions } from './dialect.js';

/**
 * PostgreSQL through a pg pool; message transactions run on the pool like any other, up to half
 * of it (at most 4) at once, so other requests always find a connection.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Backend {
  const messageLanes = Math.max(1, Math.min(4, Math.floor((options.poolSize ?? 10) / 2)));
  return {
    name: 'postgres',
    dialect: createPostgresDialect(url, options),
    messageTransactions: (db) => postgresMessageTransactions(db, messageLanes),
    close: async () => undefined,
  };
}
