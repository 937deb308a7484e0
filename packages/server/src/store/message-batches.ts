import type { Message } from './records.js';

/** What the store records about a batch of messages besides the messages themselves. */
export interface AppendOptions {
  /** When the batch is stored: its conversations' `updated_at` (written later, see conversation-touches.ts). */
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
 * An idle lane starts a transaction at once when this many rows wait (a full one: a smaller
 * threshold split the rows one turn hands in, e.g. the acks of one commit, into more commits)…
 */
export const FLUSH_AT_ROWS = MAX_ROWS_PER_TRANSACTION;
/**
 * …or this long after the first of them came; 0: at the end of the event-loop turn it came in.
 * Measured on the store alone (one socket, one message in flight): waiting 1 ms cost 2.6× the CPU
 * per message (the process idles and wakes for each) and 10× the latency, and gathered no more
 * rows under load than the commit under way does; so by default a lane waits only for that.
 */
export const MAX_WAIT_MS = 0;

/** How often conversations' `updated_at` is written, at most: what a `kill -9` can lose of it. */
export const TOUCH_INTERVAL_MS = 1000;

/** The latest moment each conversation had a message stored, by conversation id. */
export type ConversationTouches = Map<string, number>;

/** How a dialect stores messages: what the store's MessageQueue drives. */
export interface MessageTransactions {
  /**
   * Transactions that may run at once, each on its own conversations (the queue routes a
   * conversation's batches to one lane, so their order is kept).
   */
  readonly lanes: number;
  /**
   * Inserts messages in one transaction (a user message whose client id its session already
   * stored is skipped); nothing else. Resolves after the commit with, per message, the id it is
   * stored under: its own, or the earlier message's.
   */
  append(messages: Message[]): Promise<string[]>;
  /**
   * Moves each conversation's `updated_at` forward to its moment (never back: another node may
   * have written a later one), in one small transaction, locking them in id order.
   */
  touch(touches: ConversationTouches): Promise<void>;
}
