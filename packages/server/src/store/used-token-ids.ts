import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Ids that may be used once (an init token's `jti`). */
export function usedTokenIdRepo(db: Kysely<Database>) {
  return {
    /** Records `id` as used; true only for the first caller, atomically (one insert on the primary key). */
    async claim(id: string, expiresAt: number): Promise<boolean> {
      const result = await db
        .insertInto('used_token_ids')
        .values({ id, expires_at: expiresAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    /** Forgets ids whose tokens have expired (they can no longer be presented anyway). */
    async purgeExpired(now: number): Promise<number> {
      const result = await db.deleteFrom('used_token_ids').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
