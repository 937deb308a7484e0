import type { Kysely, Selectable } from 'kysely';
import type { PasswordReset } from './records.js';
import type { Database, PasswordResetsTable } from './schema.js';

const toReset = (row: Selectable<PasswordResetsTable>): PasswordReset => ({
  tokenHash: row.token_hash,
  tenantId: row.tenant_id,
  userId: row.user_id,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: row.used_at === null ? null : Number(row.used_at),
});

/** Password reset tokens, by hash: used once, before they expire. */
export function passwordResetRepo(db: Kysely<Database>) {
  return {
    async insert(reset: PasswordReset): Promise<void> {
      await db
        .insertInto('password_resets')
        .values({
          token_hash: reset.tokenHash,
          tenant_id: reset.tenantId,
          user_id: reset.userId,
          created_at: reset.createdAt,
          expires_at: reset.expiresAt,
          used_at: reset.usedAt,
        })
        .execute();
    },
    /** Uses an unexpired, unused token (one statement: one user of it): the reset, or null. */
    async use(tokenHash: string, now: number): Promise<PasswordReset | null> {
      const row = await db
        .updateTable('password_resets')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? toReset(row) : null;
    },
    /** Every other token of the user dies with a reset. */
    async deleteByUser(userId: string): Promise<void> {
      await db.deleteFrom('password_resets').where('user_id', '=', userId).execute();
    },
    async deleteExpired(before: number): Promise<void> {
      await db.deleteFrom('password_resets').where('expires_at', '<', before).execute();
    },
  };
}
