import { type Kysely, sql } from 'kysely';
import type { ConversationTouches, MessageTransactions } from '../message-batches.js';
import type { Message } from '../records.js';
import type { Database } from '../schema.js';
import { insertMessages, storedIdOfClientId } from '../write-statements.js';

/**
 * Rows per INSERT (9 bound parameters each): one statement for a few thousand messages would pass
 * PostgreSQL's 65 535 parameter limit and fail the whole batch.
 */
const ROWS_PER_STATEMENT = 500;

/** The first key of the advisory locks that serialise message transactions sharing a session. */
const SESSION_LOCKS = 0x7465_7373; // 'tess'

/**
 * PostgreSQL's message transactions: `lanes` of them at once on the pool, and deadlock-free. Two
 * transactions can only wait for each other on a session's client ids (the inserts' unique index;
 * conversations are only key-share locked by the foreign key), so each first takes its sessions'
 * advisory locks in one fixed order; touches lock their conversations in id order.
 */
export function postgresMessageTransactions(db: Kysely<Database>, lanes: number): MessageTransactions {
  return {
    lanes,
    append: (messages) => db.transaction().execute((trx) => appendMessages(trx, messages)),
    touch: (touches) => db.transaction().execute((trx) => touchConversations(trx, touches)),
  };
}

/**
 * Stores a batch of messages within the caller's transaction, in their order (their `seq`).
 * Returns, per message, the id it is stored under: its own, or the earlier message's.
 * sqlite/append-worker.js runs the same statements, one row at a time, on the embedded database.
 */
export async function appendMessages(tx: Kysely<Database>, messages: Message[]): Promise<string[]> {
  await lockSessionsOfClientIds(tx, messages);
  const inserted = new Set<string>();
  for (const chunk of chunks(messages)) for (const row of await insertMessages(tx, chunk).returning('id').execute()) inserted.add(row.id);
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

/**
 * Waits for (and holds until the commit) the advisory lock of every session with a client id
 * among `messages`, in ascending order: a transaction holding one never waits for another that
 * holds a later one, so no two wait for each other, whatever order their rows come in.
 */
async function lockSessionsOfClientIds(tx: Kysely<Database>, messages: Message[]): Promise<void> {
  const keys = new Set<number>();
  for (const message of messages) if (message.clientId !== null) keys.add(lockKey(message.sessionId));
  if (keys.size === 0) return;
  const sorted = Int32Array.from(keys).sort();
  await sql`select pg_advisory_xact_lock(${SESSION_LOCKS}, k) from unnest(${[...sorted]}::int4[]) with ordinality as t(k, n) order by n`.execute(
    tx,
  );
}

/** Moves each conversation's `updated_at` forward to its moment, locking the rows in id order. */
export async function touchConversations(tx: Kysely<Database>, touches: ConversationTouches): Promise<void> {
  const ids = [...touches.keys()].sort();
  for (const chunk of chunks(ids)) {
    const ats = chunk.map((id) => touches.get(id) as number);
    await sql`select id from conversations where id = any(${chunk}::text[]) order by id for no key update`.execute(tx);
    await sql`update conversations as c set updated_at = t.at
      from unnest(${chunk}::text[], ${ats}::bigint[]) as t(id, at)
      where c.id = t.id and c.updated_at < t.at`.execute(tx);
  }
}

/** A session's advisory lock: any 32-bit hash (two sessions sharing one only wait for each other). */
function lockKey(sessionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) hash = Math.imul(hash ^ sessionId.charCodeAt(i), 0x01000193);
  return hash | 0;
}

function chunks<T>(items: T[]): T[][] {
  if (items.length <= ROWS_PER_STATEMENT) return [items];
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) result.push(items.slice(start, start + ROWS_PER_STATEMENT));
  return result;
}
