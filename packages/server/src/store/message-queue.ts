import { type AppendOptions, type AppendTransaction, MAX_ROWS_PER_TRANSACTION } from './message-batches.js';
import type { Message } from './records.js';

interface Queued {
  messages: Message[];
  options: AppendOptions;
  resolve: (storedIds: string[]) => void;
  reject: (error: unknown) => void;
}

/**
 * The one place where message writes are coalesced, on both dialects. The batches handed in
 * during an event-loop turn, and those that arrive while a transaction is under way, are stored
 * together: one commit writes each hot index page once, however many batches touched it. A
 * transaction takes whole batches, in order, up to `maxRows` rows (a larger batch is stored whole,
 * alone), so other writes wait for at most one bounded transaction. Each caller's promise resolves
 * with its own rows' stored ids once their transaction has committed, or rejects with its error.
 *
 * One transaction at a time: on PostgreSQL, concurrent ones would lock the same conversation and
 * usage rows in different orders; on SQLite, a second one sent to the worker early would hold
 * back the larger one gathering behind it (measured: fewer messages a second).
 */
export class MessageQueue {
  private queue: Queued[] = [];
  private busy = false;
  private closed = false;
  private whenIdle: (() => void)[] = [];

  constructor(
    private readonly storeTransaction: AppendTransaction,
    private readonly maxRows = MAX_ROWS_PER_TRANSACTION,
  ) {}

  append(messages: Message[], options: AppendOptions): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ messages, options, resolve, reject });
      if (!this.busy) {
        // The rest of this turn's batches join it.
        this.busy = true;
        setImmediate(this.storeQueued);
      }
    });
  }

  /** Refuses new batches; resolves once those handed in before are stored (or failed). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.busy) await new Promise<void>((resolve) => this.whenIdle.push(resolve));
  }

  private readonly storeQueued = async (): Promise<void> => {
    while (this.queue.length > 0) {
      const batches = this.takeBatches();
      try {
        const messages = batches.length === 1 ? batches[0].messages : batches.flatMap((batch) => batch.messages);
        // One moment for the whole transaction: the latest batch's.
        const storedIds = await this.storeTransaction(messages, batches[batches.length - 1].options);
        let offset = 0;
        for (const batch of batches) {
          batch.resolve(storedIds.slice(offset, offset + batch.messages.length));
          offset += batch.messages.length;
        }
      } catch (error) {
        for (const batch of batches) batch.reject(error);
      }
      // What queued up meanwhile goes at once: it has waited for a commit already.
    }
    this.busy = false;
    for (const resolve of this.whenIdle.splice(0)) resolve();
  };

  /** The next transaction's batches: as many as fit in `maxRows`, and always the first. */
  private takeBatches(): Queued[] {
    let taken = 0;
    let rows = 0;
    while (taken < this.queue.length && (taken === 0 || rows + this.queue[taken].messages.length <= this.maxRows)) {
      rows += this.queue[taken++].messages.length;
    }
    return this.queue.splice(0, taken);
  }
}
