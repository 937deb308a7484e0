import type { AppendOptions } from './message-batches.js';
import type { Message } from './records.js';
import type { Repositories } from './repositories.js';

/**
 * Everything the domain may ask of the database, and nothing about how: what openStore returns
 * on either dialect.
 */
export interface Store extends Repositories {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one transaction: all of it commits, or none of it. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Stores a batch of messages (see message-queue.ts: batches handed in together share a
   * transaction, a batch is never split) and resolves after the commit with, per message, the
   * id it is stored under, which is an earlier message's for a client id seen before.
   */
  appendMessages(messages: Message[], options: AppendOptions): Promise<string[]>;
  ping(): Promise<void>;
  /** Stores the message batches it was handed, then closes the connections. */
  close(): Promise<void>;
}
