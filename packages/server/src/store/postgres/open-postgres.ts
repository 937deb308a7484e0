import type { Backend } from '../backend.js';
import { postgresMessageTransactions } from './append-messages.js';
import { createPostgresDialect, type PostgresOptions } from './dialect.js';

/** PostgreSQL through a pg pool; message transactions run on the pool like any other. */
export function openPostgres(url: string, options: PostgresOptions = {}): Backend {
  return {
    name: 'postgres',
    dialect: createPostgresDialect(url, options),
    messageTransactions: postgresMessageTransactions,
    close: async () => undefined,
  };
}
