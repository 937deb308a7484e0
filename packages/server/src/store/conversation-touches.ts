import { type ConversationTouches, TOUCH_INTERVAL_MS } from './message-batches.js';

/**
 * Conversations' `updated_at`, kept off the message transactions: the latest moment per
 * conversation is held in memory and written in one small transaction every `intervalMs` (so a
 * busy conversation costs one update a flush, not one a message). `flush()` writes what waits
 * (store.close() does: nothing is lost on SIGTERM); a failed write keeps it for the next flush.
 */
export class PendingTouches {
  private latest: ConversationTouches = new Map();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (touches: ConversationTouches) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = TOUCH_INTERVAL_MS,
  ) {}

  touch(conversationId: string, at: number): void {
    const known = this.latest.get(conversationId);
    if (known === undefined || known < at) this.latest.set(conversationId, at);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes every touch so far; resolves once stored (or failed and kept for the next flush). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeWaiting());
    return this.flushing;
  }

  private async writeWaiting(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.latest.size === 0) return;
    const touches = this.latest;
    this.latest = new Map();
    try {
      await this.write(touches);
    } catch (error) {
      for (const [conversationId, at] of touches) this.touch(conversationId, at);
      this.onError(error);
    }
  }
}
