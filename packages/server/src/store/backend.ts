import type { Dialect, Kysely } from 'kysely';
import type { AppendTransaction } from './message-batches.js';
import type { Database } from './schema.js';

/** What a dialect (sqlite/, postgres/) gives openStore: the rest of the store is shared. */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly dialect: Dialect;
  /** How this dialect stores one transaction of message batches (the store's MessageQueue fills them, one at a time). */
  messageTransactions(db: Kysely<Database>): AppendTransaction;
  /** Releases what the dialect holds besides Kysely's connections (the SQLite message worker). */
  close(): Promise<void>;
}
