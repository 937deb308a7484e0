import type { Clock } from '../clock.js';
import type { Message, Store } from '../store/index.js';
import { monthOf } from '../sessions/index.js';

interface Pending {
  message: Message;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

export interface WriteResult {
  /** The stored message's id: the new one, or the earlier one with the same client id. */
  messageId: string;
  duplicate: boolean;
}

/**
 * Stores messages in one transaction per event-loop turn: everything written during
 * a turn commits together, and each caller's promise resolves only after the commit
 * (so an ack always means "stored"). A turn's batch goes to the store at once, even
 * while earlier ones are being stored: the store keeps them in order.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  write(message: Message): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          const flushed = this.flush().finally(() => this.inFlight.delete(flushed));
          this.inFlight.add(flushed);
        });
      }
    });
  }

  /** Resolves once everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.scheduled || this.inFlight.size > 0) {
      if (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
      await Promise.all(this.inFlight);
    }
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    try {
      const now = this.clock.now();
      const storedIds = await this.store.appendMessages(
        batch.map((pending) => pending.message),
        { at: now, month: monthOf(now) },
      );
      batch.forEach(({ message, resolve }, i) => resolve({ messageId: storedIds[i], duplicate: storedIds[i] !== message.id }));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}
