import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from './schema.js';
import type { Session } from './records.js';
import { preparedInsert, preparedQuery } from './prepared-query.js';

const SESSION_FIELDS = [
  'id',
  'tenant_id',
  'anonymous_id',
  'user_id',
  'ver',
  'created_at',
  'last_seen_at',
  'idle_expires_at',
  'absolute_expires_at',
  'revoked_at',
  'revoked_reason',
  'auth_time',
  'amr',
] as const;

// Every session start, refresh and socket runs these: built once (see prepared-query.ts).
const insertSession = preparedInsert('sessions', SESSION_FIELDS);
const sessionById = preparedQuery<'id', Selectable<SessionsTable>>((db, param) =>
  db.selectFrom('sessions').selectAll().where('id', '=', param<string>('id')),
);
const touchSession = preparedQuery<'id' | 'at' | 'idleExpiresAt', never>((db, param) =>
  db
    .updateTable('sessions')
    .set({ last_seen_at: param('at'), idle_expires_at: param('idleExpiresAt') })
    .where('id', '=', param<string>('id'))
    .where('revoked_at', 'is', null),
);

const toSession = (row: Selectable<SessionsTable>): Session => ({
  id: row.id,
  tenantId: row.tenant_id,
  anonymousId: row.anonymous_id,
  userId: row.user_id,
  ver: Number(row.ver),
  createdAt: Number(row.created_at),
  lastSeenAt: Number(row.last_seen_at),
  idleExpiresAt: Number(row.idle_expires_at),
  absoluteExpiresAt: Number(row.absolute_expires_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  revokedReason: row.revoked_reason,
  authTime: row.auth_time === null ? null : Number(row.auth_time),
  amr: row.amr === null ? [] : (JSON.parse(row.amr) as string[]),
});

export function sessionRepo(db: Kysely<Database>) {
  return {
    async insert(session: Session): Promise<void> {
      await insertSession(db, {
        id: session.id,
        tenant_id: session.tenantId,
        anonymous_id: session.anonymousId,
        user_id: session.userId,
        ver: session.ver,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        idle_expires_at: session.idleExpiresAt,
        absolute_expires_at: session.absoluteExpiresAt,
        revoked_at: session.revokedAt,
        revoked_reason: session.revokedReason,
        auth_time: session.authTime,
        amr: session.userId === null ? null : JSON.stringify(session.amr),
      });
    },
    async get(id: string): Promise<Session | null> {
      const [row] = (await sessionById(db, { id })).rows;
      return row ? toSession(row) : null;
    },
    /** The sessions of `ids` that exist, in no particular order. */
    async listByIds(ids: string[]): Promise<Session[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('sessions').selectAll().where('id', 'in', ids).execute();
      return rows.map(toSession);
    },
    async listByUser(userId: string): Promise<Session[]> {
      const rows = await db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
      return rows.map(toSession);
    },
    async listByAnonymousId(anonymousId: string): Promise<Session[]> {
      const rows = await db.selectFrom('sessions').selectAll().where('anonymous_id', '=', anonymousId).execute();
      return rows.map(toSession);
    },
    /** Extends idle expiry (never past the absolute one). */
    async touch(id: string, at: number, idleExpiresAt: number): Promise<void> {
      await touchSession(db, { id, at, idleExpiresAt });
    },
    /** Revokes a live session and bumps its auth version; false if it was already revoked. */
    async revoke(id: string, at: number, reason: string): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set((eb) => ({ revoked_at: at, revoked_reason: reason, ver: eb('ver', '+', 1) }))
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /**
     * Assigns a live session to a user, signed in now by `amr`, and bumps its version, only if it is
     * still at `expectedVer`.
     */
    async assignUser(id: string, userId: string, expectedVer: number, at: number, idleExpiresAt: number, amr: string[]): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({
          user_id: userId,
          ver: expectedVer + 1,
          last_seen_at: at,
          idle_expires_at: idleExpiresAt,
          auth_time: at,
          amr: JSON.stringify(amr),
        })
        .where('id', '=', id)
        .where('ver', '=', expectedVer)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** Records a fresh sign-in of a live session's own user (re-authentication); the version stays. */
    async reauthenticate(id: string, userId: string, at: number, amr: string[]): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ auth_time: at, amr: JSON.stringify(amr), last_seen_at: at })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** Ids of sessions whose idle or absolute expiry has passed, or revoked before `revokedBefore`. */
    async listExpired(now: number, revokedBefore: number, limit: number): Promise<{ id: string; userId: string | null }[]> {
      const rows = await db
        .selectFrom('sessions')
        .select(['id', 'user_id'])
        .where((eb) =>
          eb.or([eb('idle_expires_at', '<=', now), eb('absolute_expires_at', '<=', now), eb('revoked_at', '<=', revokedBefore)]),
        )
        .limit(limit)
        .execute();
      return rows.map((row) => ({ id: row.id, userId: row.user_id }));
    },
    async deleteMany(ids: string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await db.deleteFrom('sessions').where('id', 'in', ids).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
