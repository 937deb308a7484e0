import type { Clock } from '../clock.js';
import type { Message, Store } from '../store/index.js';
import { monthOf } from './month.js';

interface Pending {
  message: Message;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Rows per INSERT (9 bound parameters each): a turn can queue thousands of messages, and one
 * statement for all of them would pass SQLite's 32 766 (PostgreSQL's 65 535) parameter limit
 * and fail the whole batch.
 */
const ROWS_PER_STATEMENT = 500;

export interface WriteResult {
  /** The stored message's id: the new one, or the earlier one with the same client id. */
  messageId: string;
  duplicate: boolean;
}

/**
 * Stores messages in one transaction per event-loop turn: everything written during
 * a turn commits together, and each caller's promise resolves only after the commit
 * (so an ack always means "stored").
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();

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
          this.inFlight = this.inFlight.then(() => this.flush());
        });
      }
    });
  }

  /** Resolves once everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.scheduled || this.queue.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.inFlight;
    }
    await this.inFlight;
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    try {
      const messages = batch.map((pending) => pending.message);
      const conversationIds = [...new Set(messages.map((message) => message.conversationId))];
      const now = this.clock.now();
      const inserted = await this.store.transaction(async (tx) => {
        const ids = new Set<string>();
        for (let start = 0; start < messages.length; start += ROWS_PER_STATEMENT) {
          for (const id of await tx.messages.insertMany(messages.slice(start, start + ROWS_PER_STATEMENT))) ids.add(id);
        }
        for (let start = 0; start < conversationIds.length; start += ROWS_PER_STATEMENT) {
          await tx.conversations.touchMany(conversationIds.slice(start, start + ROWS_PER_STATEMENT), now);
        }
        for (const [tenantId, count] of countByTenant(messages, ids)) {
          await tx.usage.count(tenantId, monthOf(now), { messages: count });
        }
        return ids;
      });
      for (const { message, resolve } of batch) {
        if (inserted.has(message.id)) {
          resolve({ messageId: message.id, duplicate: false });
        } else {
          const original = await this.store.messages.findByClientId(message.sessionId, message.clientId ?? '');
          resolve({ messageId: original?.id ?? message.id, duplicate: true });
        }
      }
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}

function countByTenant(messages: Message[], inserted: Set<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    if (inserted.has(message.id)) counts.set(message.tenantId, (counts.get(message.tenantId) ?? 0) + 1);
  }
  return counts;
}
