import type { Dialect, Kysely } from 'kysely';
import type { MessageTransactions } from './message-batches.js';
import type { Database } from './schema.js';

/** What a dialect (sqlite/, postgres/) gives openStore: the rest of the store is shared. */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly dialect: Dialect;
  /** How this dialect stores message batches and touches conversations (the store's MessageQueue drives it). */
  messageTransactions(db: Kysely<Database>): MessageTransactions;
  /** Releases what the dialect holds besides Kysely's connections (the SQLite message worker). */
  close(): Promise<void>;
}
