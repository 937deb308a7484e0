import type { Message } from './records.js';

/** What a transaction of message batches records besides the messages. */
export interface AppendOptions {
  /** When the batch is stored: its conversations' `updated_at`. */
  at: number;
  /** The billing month (`YYYY-MM`) whose message count the new messages go to. */
  month: string;
}

/**
 * Batches that queue up are stored together, up to this many rows a transaction (a few ms of
 * inserts): other writes wait for at most one bounded transaction, and a backlog's first batches
 * do not wait for its last. A larger batch is still stored whole.
 */
export const MAX_ROWS_PER_TRANSACTION = 1000;

/**
 * Stores messages in one transaction, as each dialect does it: inserts them (a user message whose
 * client id its session already stored is skipped), touches their conversations and counts the new
 * ones in the month's usage. Resolves after the commit with, per message, the id it is stored
 * under: its own, or the earlier message's.
 */
export type AppendTransaction = (messages: Message[], options: AppendOptions) => Promise<string[]>;
