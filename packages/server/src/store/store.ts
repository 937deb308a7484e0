import type { AppendOptions } from './message-batches.js';
import type { Message } from './records.js';
import type { Repositories } from './repositories.js';
import type { UsageMeter } from './usage-meter.js';

/**
 * Everything the domain may ask of the database, and nothing about how: what openStore returns
 * on either dialect.
 */
export interface Store extends Repositories {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Usage counts and monthly actives, written in batches after the fact (see usage-meter.ts):
   * `flush()` before reading them back when this node's latest counts must be included.
   */
  readonly usageMeter: Pick<UsageMeter, 'count' | 'active' | 'flush'>;
  /** Runs `work` in one transaction: all of it commits, or none of it. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * `transaction`, except that on SQLite it may share its commit with concurrent callers (see
   * shared-commits.ts): resolves after the commit; `work` may run twice, so it must do nothing but
   * its statements.
   */
  sharedTransaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Stores a batch of messages (see message-queue.ts: batches handed in together share a
   * transaction, a batch is never split) and resolves after the commit with, per message, the
   * id it is stored under, which is an earlier message's for a client id seen before.
   */
  appendMessages(messages: Message[], options: AppendOptions): Promise<string[]>;
  ping(): Promise<void>;
  /** Stores the message batches it was handed and the usage counted, then closes the connections. */
  close(): Promise<void>;
}
