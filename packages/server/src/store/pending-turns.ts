import type { Kysely, Selectable } from 'kysely';
import type { Database, PendingTurnsTable } from './schema.js';
import type { PendingTurn } from './records.js';

/** A sign-in this long after the agent asked no longer re-runs the turn: the question is stale. */
export const PENDING_TURN_TTL_MS = 30 * 60_000;

const toPendingTurn = (row: Selectable<PendingTurnsTable>): PendingTurn => ({
  sessionId: row.session_id,
  tenantId: row.tenant_id,
  conversationId: row.conversation_id,
  messageId: row.message_id,
  maxAgeSeconds: row.max_age_seconds === null ? null : Number(row.max_age_seconds),
  createdAt: Number(row.created_at),
});

/** Turns waiting for a sign-in: at most one per session, the latest the agent asked about. */
export function pendingTurnRepo(db: Kysely<Database>) {
  return {
    async put(turn: PendingTurn): Promise<void> {
      await db
        .insertInto('pending_turns')
        .values({
          session_id: turn.sessionId,
          tenant_id: turn.tenantId,
          conversation_id: turn.conversationId,
          message_id: turn.messageId,
          max_age_seconds: turn.maxAgeSeconds,
          created_at: turn.createdAt,
        })
        .onConflict((oc) =>
          oc.column('session_id').doUpdateSet((eb) => ({
            conversation_id: eb.ref('excluded.conversation_id'),
            message_id: eb.ref('excluded.message_id'),
            max_age_seconds: eb.ref('excluded.max_age_seconds'),
            created_at: eb.ref('excluded.created_at'),
          })),
        )
        .execute();
    },
    /**
     * Takes the session's pending turn, if any: one statement, so of every node told about a
     * sign-in exactly one gets it.
     */
    async take(sessionId: string): Promise<PendingTurn | null> {
      const row = await db.deleteFrom('pending_turns').where('session_id', '=', sessionId).returningAll().executeTakeFirst();
      return row ? toPendingTurn(row) : null;
    },
    async get(sessionId: string): Promise<PendingTurn | null> {
      const row = await db.selectFrom('pending_turns').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
      return row ? toPendingTurn(row) : null;
    },
    async deleteSessions(sessionIds: string[]): Promise<void> {
      if (sessionIds.length === 0) return;
      await db.deleteFrom('pending_turns').where('session_id', 'in', sessionIds).execute();
    },
    async deleteOlderThan(before: number): Promise<number> {
      const result = await db.deleteFrom('pending_turns').where('created_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
