import type { Repositories } from './index.js';
import type { Message } from './records.js';
import type { AppendOptions } from './sqlite-message-appender.js';
import { takeBatches } from './take-batches.js';

/**
 * Rows per INSERT (9 bound parameters each): one statement for a few thousand messages would pass
 * PostgreSQL's 65 535 parameter limit and fail the whole batch.
 */
const ROWS_PER_STATEMENT = 500;

/**
 * Batches that queue up while a transaction runs are stored together, up to this many rows a
 * transaction (a few ms of inserts): other writes wait for the transaction in progress, and a
 * backlog's first batches should not wait for its last. A larger batch is still stored whole.
 */
export const MAX_ROWS_PER_TRANSACTION = 1000;

/**
 * Stores a batch of messages within the caller's transaction: inserts them (a user message whose
 * client id its session already stored is skipped), touches their conversations and counts the
 * new ones in the month's usage. Returns, per message, the id it is stored under: its own, or the
 * earlier message's. sqlite-append-worker.js does the same on the embedded database.
 */
export async function appendMessages(tx: Repositories, messages: Message[], { at, month }: AppendOptions): Promise<string[]> {
  const inserted = new Set<string>();
  for (const chunk of chunks(messages)) for (const id of await tx.messages.insertMany(chunk)) inserted.add(id);
  for (const chunk of chunks([...new Set(messages.map((message) => message.conversationId))])) await tx.conversations.touchMany(chunk, at);
  const newPerTenant = new Map<string, number>();
  for (const message of messages) {
    if (inserted.has(message.id)) newPerTenant.set(message.tenantId, (newPerTenant.get(message.tenantId) ?? 0) + 1);
  }
  for (const [tenantId, count] of newPerTenant) await tx.usage.count(tenantId, month, { messages: count });
  const storedIds: string[] = [];
  for (const message of messages) {
    storedIds.push(inserted.has(message.id) ? message.id : ((await tx.messages.findByClientId(message.sessionId, message.clientId ?? ''))?.id ?? message.id));
  }
  return storedIds;
}

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) result.push(items.slice(start, start + ROWS_PER_STATEMENT));
  return result;
}

interface Queued {
  messages: Message[];
  options: AppendOptions;
  resolve: (storedIds: string[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs message batches one transaction at a time, and the batches that arrive meanwhile
 * together in the next one, up to `maxRows` (as sqlite-append-worker.js does): on PostgreSQL,
 * concurrent transactions would lock the same conversation and usage rows in different orders.
 */
export function oneTransactionAtATime(
  append: (messages: Message[], options: AppendOptions) => Promise<string[]>,
  maxRows = MAX_ROWS_PER_TRANSACTION,
) {
  let queue: Queued[] = [];
  let running = false;
  const runQueued = async () => {
    running = true;
    while (queue.length > 0) {
      const [batches, rest] = takeBatches(queue, maxRows, (batch) => batch.messages.length);
      queue = rest;
      try {
        // One moment for the whole transaction: the latest batch's.
        const storedIds = await append(batches.flatMap((batch) => batch.messages), batches[batches.length - 1].options);
        let offset = 0;
        for (const batch of batches) {
          batch.resolve(storedIds.slice(offset, offset + batch.messages.length));
          offset += batch.messages.length;
        }
      } catch (error) {
        for (const batch of batches) batch.reject(error);
      }
    }
    running = false;
  };
  return (messages: Message[], options: AppendOptions): Promise<string[]> =>
    new Promise((resolve, reject) => {
      queue.push({ messages, options, resolve, reject });
      if (!running) void runQueued();
    });
}
