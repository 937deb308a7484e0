import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Message } from './records.js';

// The statements that store message batches, built in one place for both paths: the repositories
// and PostgreSQL's message transactions run them through Kysely, and the SQLite message worker
// runs them compiled for one row (sqlite/worker-statements.ts). Usage counters are written by the
// usage meter (usage-meter.ts), after the fact.

/**
 * Inserts messages; a user message whose client id its session already stored is skipped (add
 * `.returning('id')` to learn which were inserted).
 */
export function insertMessages(db: Kysely<Database>, messages: Message[]) {
  return db
    .insertInto('messages')
    .values(
      messages.map((m) => ({
        id: m.id,
        tenant_id: m.tenantId,
        conversation_id: m.conversationId,
        session_id: m.sessionId,
        role: m.role,
        content: m.content,
        client_id: m.clientId,
        reply_to: m.replyTo,
        created_at: m.createdAt,
      })),
    )
    .onConflict((oc) => oc.columns(['session_id', 'client_id']).where('client_id', 'is not', null).doNothing());
}

/** The id of the session's message with this client id: what a duplicate is answered with. */
export function storedIdOfClientId(db: Kysely<Database>, sessionId: string, clientId: string) {
  return db.selectFrom('messages').select('id').where('session_id', '=', sessionId).where('client_id', '=', clientId);
}

export function touchConversations(db: Kysely<Database>, ids: string[], at: number) {
  return db.updateTable('conversations').set({ updated_at: at }).where('id', 'in', ids);
}

/** Moves a conversation's `updated_at` forward to `at`, never back (touches are written late, by any node). */
export function touchConversationIfEarlier(db: Kysely<Database>, id: string, at: number) {
  return db.updateTable('conversations').set({ updated_at: at }).where('id', '=', id).where('updated_at', '<', at);
}

/** Adds to a month's session and message counts. */
export function addToUsageCounters(db: Kysely<Database>, tenantId: string, month: string, sessions: number, messages: number) {
  return db
    .insertInto('usage_counters')
    .values({ tenant_id: tenantId, month, sessions, messages })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'month']).doUpdateSet((eb) => ({
        sessions: eb('usage_counters.sessions', '+', eb.ref('excluded.sessions')),
        messages: eb('usage_counters.messages', '+', eb.ref('excluded.messages')),
      })),
    );
}
