import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable } from './schema.js';
import type { RefreshToken } from './records.js';

const toRefreshToken = (row: Selectable<RefreshTokensTable>): RefreshToken => ({
  id: row.id,
  sessionId: row.session_id,
  secretHash: row.secret_hash,
  parentId: row.parent_id,
  childId: row.child_id,
  state: row.state,
  createdAt: Number(row.created_at),
  rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
});

export function refreshTokenRepo(db: Kysely<Database>) {
  return {
    async insert(token: RefreshToken): Promise<void> {
      await db
        .insertInto('refresh_tokens')
        .values({
          id: token.id,
          session_id: token.sessionId,
          secret_hash: token.secretHash,
          parent_id: token.parentId,
          child_id: token.childId,
          state: token.state,
          created_at: token.createdAt,
          rotated_at: token.rotatedAt,
        })
        .execute();
    },
    async get(id: string): Promise<RefreshToken | null> {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRefreshToken(row) : null;
    },
    /**
     * The one atomic step of rotation: marks `id` rotated to `childId` only if it is
     * still current. Of any number of concurrent callers exactly one gets `true`.
     */
    async claimRotation(id: string, childId: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ state: 'rotated', child_id: childId, rotated_at: at })
        .where('id', '=', id)
        .where('state', '=', 'current')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Retires every token of a session (on revoke, reuse or link). */
    async revokeSession(sessionId: string): Promise<void> {
      await db
        .updateTable('refresh_tokens')
        .set({ state: 'revoked' })
        .where('session_id', '=', sessionId)
        .where('state', '!=', 'revoked')
        .execute();
    },
    async deleteBySessions(sessionIds: string[]): Promise<number> {
      if (sessionIds.length === 0) return 0;
      const result = await db.deleteFrom('refresh_tokens').where('session_id', 'in', sessionIds).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
