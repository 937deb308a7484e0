import type { Kysely } from 'kysely';
import type { AppendOptions, AppendTransaction } from '../message-batches.js';
import type { Message } from '../records.js';
import type { Database } from '../schema.js';
import { addToUsageCounters, insertMessages, storedIdOfClientId, touchConversations } from '../write-statements.js';

/**
 * Rows per INSERT (9 bound parameters each): one statement for a few thousand messages would pass
 * PostgreSQL's 65 535 parameter limit and fail the whole batch.
 */
const ROWS_PER_STATEMENT = 500;

/** PostgreSQL's message transactions (the store's MessageQueue runs them one at a time). */
export function postgresMessageTransactions(db: Kysely<Database>): AppendTransaction {
  return (messages, options) => db.transaction().execute((trx) => appendMessages(trx, messages, options));
}

/**
 * Stores a batch of messages within the caller's transaction: inserts them, touches their
 * conversations and counts the new ones in the month's usage. Returns, per message, the id it is
 * stored under: its own, or the earlier message's. sqlite/append-worker.js runs the same
 * statements, one row at a time, on the embedded database.
 */
export async function appendMessages(tx: Kysely<Database>, messages: Message[], { at, month }: AppendOptions): Promise<string[]> {
  const inserted = new Set<string>();
  for (const chunk of chunks(messages)) for (const row of await insertMessages(tx, chunk).returning('id').execute()) inserted.add(row.id);
  for (const chunk of chunks([...new Set(messages.map((message) => message.conversationId))]))
    await touchConversations(tx, chunk, at).execute();
  const newPerTenant = new Map<string, number>();
  for (const message of messages) {
    if (inserted.has(message.id)) newPerTenant.set(message.tenantId, (newPerTenant.get(message.tenantId) ?? 0) + 1);
  }
  for (const [tenantId, count] of newPerTenant) await addToUsageCounters(tx, tenantId, month, 0, count).execute();
  const storedIds: string[] = [];
  for (const message of messages) {
    storedIds.push(
      inserted.has(message.id)
        ? message.id
        : ((await storedIdOfClientId(tx, message.sessionId, message.clientId ?? '').executeTakeFirst())?.id ?? message.id),
    );
  }
  return storedIds;
}

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) result.push(items.slice(start, start + ROWS_PER_STATEMENT));
  return result;
}
