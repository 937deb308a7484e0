import { PendingTouches } from './conversation-touches.js';
import {
  type AppendOptions,
  FLUSH_AT_ROWS,
  MAX_ROWS_PER_TRANSACTION,
  MAX_WAIT_MS,
  type MessageTransactions,
  TOUCH_INTERVAL_MS,
} from './message-batches.js';
import type { Message } from './records.js';
import type { UsageCounting } from './usage-meter.js';

interface Queued {
  messages: Message[];
  options: AppendOptions;
  resolve: (storedIds: string[]) => void;
  reject: (error: unknown) => void;
}

/** One line of transactions, one at a time: a conversation's batches always take the same one. */
interface Lane {
  queue: Queued[];
  rows: number;
  busy: boolean;
  /** Set while rows wait for the idle lane's next transaction to start: cancels that wait. */
  cancelWait: (() => void) | null;
}

export interface MessageQueueOptions {
  /** Where the new messages are counted, after their commit. */
  usage: UsageCounting;
  /** Told when writing conversation touches failed (they are kept for the next flush). */
  onTouchError?: (error: unknown) => void;
  maxRows?: number;
  flushAtRows?: number;
  maxWaitMs?: number;
  touchIntervalMs?: number;
}

/**
 * The one place where message writes are coalesced, on both dialects. Batches handed in wait
 * until `flushAtRows` rows do, or `maxWaitMs` has passed since the first (by default, the end of
 * their event-loop turn), or (under load) the lane's transaction under way has committed, however
 * long that takes; then whole batches, in order, up to `maxRows` rows
 * (a larger batch is stored whole, alone), go in one transaction that only inserts. Each caller's
 * promise resolves with its own rows' stored ids once their transaction has committed, or rejects
 * with its error.
 *
 * The bookkeeping waits for the commit and stays out of the transaction: new messages are counted
 * in `usage`, and conversations' `updated_at` is coalesced and written later (PendingTouches).
 * A dialect may run several transactions at once (`lanes`): a conversation's batches always take
 * the same lane, so their order is kept.
 */
export class MessageQueue {
  private readonly lanes: Lane[];
  private readonly touches: PendingTouches;
  private readonly maxRows: number;
  private readonly flushAtRows: number;
  private readonly maxWaitMs: number;
  private closed = false;
  private whenIdle: (() => void)[] = [];

  constructor(
    private readonly transactions: MessageTransactions,
    private readonly options: MessageQueueOptions,
  ) {
    this.lanes = Array.from({ length: Math.max(1, transactions.lanes) }, () => ({ queue: [], rows: 0, busy: false, cancelWait: null }));
    this.touches = new PendingTouches(
      (touches) => transactions.touch(touches),
      options.onTouchError ?? (() => undefined),
      options.touchIntervalMs ?? TOUCH_INTERVAL_MS,
    );
    this.maxRows = options.maxRows ?? MAX_ROWS_PER_TRANSACTION;
    this.flushAtRows = options.flushAtRows ?? FLUSH_AT_ROWS;
    this.maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  }

  append(messages: Message[], options: AppendOptions): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (messages.length === 0) return Promise.resolve([]);
    const lane = this.lanes.length === 1 ? this.lanes[0] : this.lanes[laneOf(messages[0].conversationId, this.lanes.length)];
    return new Promise((resolve, reject) => {
      lane.queue.push({ messages, options, resolve, reject });
      lane.rows += messages.length;
      if (lane.busy) return; // Goes when the transaction under way has committed.
      if (lane.rows >= this.flushAtRows) void this.run(lane);
      else lane.cancelWait ??= this.waitThenRun(lane);
    });
  }

  /** Refuses new batches; resolves once those handed in before, and their touches, are stored (or failed). */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes) if (lane.cancelWait) void this.run(lane);
    if (this.lanes.some((lane) => lane.busy)) await new Promise<void>((resolve) => this.whenIdle.push(resolve));
    await this.touches.flush();
  }

  private async run(lane: Lane): Promise<void> {
    lane.cancelWait?.();
    lane.cancelWait = null;
    if (lane.busy) return;
    lane.busy = true;
    while (lane.queue.length > 0) {
      const batches = this.takeBatches(lane);
      try {
        const messages = batches.length === 1 ? batches[0].messages : batches.flatMap((batch) => batch.messages);
        const storedIds = await this.transactions.append(messages);
        let offset = 0;
        for (const batch of batches) {
          const ids = storedIds.slice(offset, offset + batch.messages.length);
          offset += batch.messages.length;
          this.recordCommitted(batch, ids);
          batch.resolve(ids);
        }
      } catch (error) {
        for (const batch of batches) batch.reject(error);
      }
      // What queued up meanwhile goes at once: it has waited for a commit already.
    }
    lane.busy = false;
    if (this.lanes.every((other) => !other.busy)) for (const resolve of this.whenIdle.splice(0)) resolve();
  }

  private waitThenRun(lane: Lane): () => void {
    if (this.maxWaitMs > 0) {
      const timer = setTimeout(() => void this.run(lane), this.maxWaitMs);
      return () => clearTimeout(timer);
    }
    const immediate = setImmediate(() => void this.run(lane));
    return () => clearImmediate(immediate);
  }

  /** Counts the batch's new messages (stored under their own id) and touches its conversations. */
  private recordCommitted({ messages, options }: Queued, storedIds: string[]): void {
    let tenantId = '';
    let count = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      this.touches.touch(message.conversationId, options.at);
      if (storedIds[i] !== message.id) continue;
      if (message.tenantId !== tenantId && count > 0) {
        this.options.usage.count(tenantId, options.month, { messages: count });
        count = 0;
      }
      tenantId = message.tenantId;
      count++;
    }
    if (count > 0) this.options.usage.count(tenantId, options.month, { messages: count });
  }

  /** The next transaction's batches: as many as fit in `maxRows`, and always the first. */
  private takeBatches(lane: Lane): Queued[] {
    let taken = 0;
    let rows = 0;
    while (taken < lane.queue.length && (taken === 0 || rows + lane.queue[taken].messages.length <= this.maxRows)) {
      rows += lane.queue[taken++].messages.length;
    }
    lane.rows -= rows;
    return lane.queue.splice(0, taken);
  }
}

/** A conversation's lane: any spread will do, as long as it never changes. */
function laneOf(conversationId: string, lanes: number): number {
  let hash = 0;
  for (let i = conversationId.length - 4; i < conversationId.length; i++) hash = (hash * 31 + conversationId.charCodeAt(i)) | 0;
  return Math.abs(hash) % lanes;
}
