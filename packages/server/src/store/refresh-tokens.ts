import type { Kysely, Selectable } from 'kysely';
import type { Database, RefreshTokensTable } from './schema.js';
import type { RefreshToken } from './records.js';
import { preparedInsert, preparedQuery } from './prepared-query.js';

const TOKEN_FIELDS = ['id', 'session_id', 'secret_hash', 'parent_id', 'child_id', 'state', 'created_at', 'rotated_at'] as const;

// Every session start and refresh runs these: built once (see prepared-query.ts).
const insertToken = preparedInsert('refresh_tokens', TOKEN_FIELDS);
const tokenById = preparedQuery<'id', Selectable<RefreshTokensTable>>((db, param) =>
  db.selectFrom('refresh_tokens').selectAll().where('id', '=', param<string>('id')),
);
const claimCurrent = preparedQuery<'id' | 'childId' | 'at', never>((db, param) =>
  db
    .updateTable('refresh_tokens')
    .set({ state: 'rotated', child_id: param('childId'), rotated_at: param('at') })
    .where('id', '=', param<string>('id'))
    .where('state', '=', 'current'),
);

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
      await insertToken(db, {
        id: token.id,
        session_id: token.sessionId,
        secret_hash: token.secretHash,
        parent_id: token.parentId,
        child_id: token.childId,
        state: token.state,
        created_at: token.createdAt,
        rotated_at: token.rotatedAt,
      });
    },
    async get(id: string): Promise<RefreshToken | null> {
      const [row] = (await tokenById(db, { id })).rows;
      return row ? toRefreshToken(row) : null;
    },
    /**
     * The one atomic step of rotation: marks `id` rotated to `childId` only if it is
     * still current. Of any number of concurrent callers exactly one gets `true`.
     */
    async claimRotation(id: string, childId: string, at: number): Promise<boolean> {
      const result = await claimCurrent(db, { id, childId, at });
      return Number(result.numAffectedRows) === 1;
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
