import type { Clock } from '../clock.js';
import type { Message, Store } from '../store/index.js';
import { monthOf } from '../sessions/month.js';

export interface WriteResult {
  /** The stored message's id: the new one, or the earlier one with the same client id. */
  messageId: string;
  duplicate: boolean;
}

/**
 * Stores chat messages one by one, and says under which id each was stored. Each promise resolves
 * only after the commit (so an ack always means "stored"). The store coalesces the writes: those
 * that come within a millisecond, or while a transaction commits, share one (store/message-queue.ts).
 */
export class MessageWriter {
  private writing = 0;
  private whenDrained: (() => void)[] = [];
  /** The billing month of the latest write, and the moments it spans: formatting one costs a µs. */
  private month = { name: '', from: 0, to: 0 };

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  write(message: Message): Promise<WriteResult> {
    const now = this.clock.now();
    this.writing++;
    return this.store.appendMessages([message], { at: now, month: this.billingMonth(now) }).then(
      ([messageId]) => {
        this.written();
        return { messageId, duplicate: messageId !== message.id };
      },
      (error: unknown) => {
        this.written();
        throw error;
      },
    );
  }

  /** Resolves once everything written so far is committed (or failed). */
  async drain(): Promise<void> {
    if (this.writing > 0) await new Promise<void>((resolve) => this.whenDrained.push(resolve));
  }

  private billingMonth(now: number): string {
    if (now < this.month.from || now >= this.month.to) {
      const date = new Date(now);
      const from = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      this.month = { name: monthOf(now), from, to: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
    }
    return this.month.name;
  }

  private written(): void {
    if (--this.writing === 0) for (const resolve of this.whenDrained.splice(0)) resolve();
  }
}
