import type { Kysely, Selectable } from 'kysely';
import type { Passkey, WebauthnChallenge, WebauthnPurpose } from './records.js';
import type { Database, PasskeysTable } from './schema.js';

const toPasskey = (row: Selectable<PasskeysTable>): Passkey => ({
  id: row.id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  credentialId: row.credential_id,
  publicKey: row.public_key,
  counter: Number(row.counter),
  transports: row.transports === null ? null : (JSON.parse(row.transports) as string[]),
  name: row.name,
  createdAt: Number(row.created_at),
  lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
});

/** Users' passkeys; a credential id is unique per tenant. */
export function passkeyRepo(db: Kysely<Database>) {
  return {
    async insert(passkey: Passkey): Promise<void> {
      await db
        .insertInto('passkeys')
        .values({
          id: passkey.id,
          tenant_id: passkey.tenantId,
          user_id: passkey.userId,
          credential_id: passkey.credentialId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: passkey.transports === null ? null : JSON.stringify(passkey.transports),
          name: passkey.name,
          created_at: passkey.createdAt,
          last_used_at: passkey.lastUsedAt,
        })
        .execute();
    },
    async findByCredential(tenantId: string, credentialId: string): Promise<Passkey | null> {
      const row = await db
        .selectFrom('passkeys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row ? toPasskey(row) : null;
    },
    async listByUser(userId: string): Promise<Passkey[]> {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toPasskey);
    },
    /**
     * Records a use: the new signature counter, only if it moved forward from the one read (or
     * both are 0, for authenticators without a counter). False: another use came first.
     */
    async recordUse(id: string, previousCounter: number, counter: number, at: number): Promise<boolean> {
      const result = await db
        .updateTable('passkeys')
        .set({ counter, last_used_at: at })
        .where('id', '=', id)
        .where('counter', '=', previousCounter)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async delete(id: string): Promise<boolean> {
      const result = await db.deleteFrom('passkeys').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteByUser(userId: string): Promise<number> {
      const result = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** WebAuthn challenges: one per session and purpose, taken once. */
export function webauthnChallengeRepo(db: Kysely<Database>) {
  return {
    async put(challenge: WebauthnChallenge): Promise<void> {
      await db
        .insertInto('webauthn_challenges')
        .values({
          session_id: challenge.sessionId,
          purpose: challenge.purpose,
          challenge: challenge.challenge,
          expires_at: challenge.expiresAt,
        })
        .onConflict((oc) =>
          oc.columns(['session_id', 'purpose']).doUpdateSet((eb) => ({
            challenge: eb.ref('excluded.challenge'),
            expires_at: eb.ref('excluded.expires_at'),
          })),
        )
        .execute();
    },
    /** Takes the session's challenge for `purpose` (one statement: one taker), if it has not expired. */
    async take(sessionId: string, purpose: WebauthnPurpose, now: number): Promise<string | null> {
      const row = await db
        .deleteFrom('webauthn_challenges')
        .where('session_id', '=', sessionId)
        .where('purpose', '=', purpose)
        .returning(['challenge', 'expires_at'])
        .executeTakeFirst();
      return row && Number(row.expires_at) > now ? row.challenge : null;
    },
    async deleteExpired(before: number): Promise<void> {
      await db.deleteFrom('webauthn_challenges').where('expires_at', '<', before).execute();
    },
    async deleteSessions(sessionIds: string[]): Promise<void> {
      if (sessionIds.length === 0) return;
      await db.deleteFrom('webauthn_challenges').where('session_id', 'in', sessionIds).execute();
    },
  };
}
