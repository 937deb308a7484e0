import type { Kysely, Selectable } from 'kysely';
import type { EmailCode, EmailCodePurpose } from './records.js';
import type { Database, EmailCodesTable } from './schema.js';

const toEmailCode = (row: Selectable<EmailCodesTable>): EmailCode => ({
  id: row.id,
  tenantId: row.tenant_id,
  email: row.email,
  purpose: row.purpose as EmailCodePurpose,
  codeHash: row.code_hash,
  tries: Number(row.tries),
  details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: row.used_at === null ? null : Number(row.used_at),
});

/**
 * Emailed one-time codes: one live code per address and purpose (a new one replaces it). A try
 * is counted before the code is compared, in one statement, so however many guesses race, at
 * most `maxTries` are ever compared.
 */
export function emailCodeRepo(db: Kysely<Database>) {
  return {
    /** Stores `code`, replacing the address's earlier codes for the same purpose. */
    async replace(code: EmailCode): Promise<void> {
      await db
        .deleteFrom('email_codes')
        .where('tenant_id', '=', code.tenantId)
        .where('email', '=', code.email)
        .where('purpose', '=', code.purpose)
        .execute();
      await db
        .insertInto('email_codes')
        .values({
          id: code.id,
          tenant_id: code.tenantId,
          email: code.email,
          purpose: code.purpose,
          code_hash: code.codeHash,
          tries: code.tries,
          details: code.details === null ? null : JSON.stringify(code.details),
          created_at: code.createdAt,
          expires_at: code.expiresAt,
          used_at: code.usedAt,
        })
        .execute();
    },
    /** Counts one try at the address's live code: the code as it is after the count, or null (none, used, expired, out of tries). */
    async countTry(tenantId: string, email: string, purpose: EmailCodePurpose, now: number, maxTries: number): Promise<EmailCode | null> {
      const row = await db
        .updateTable('email_codes')
        .set((eb) => ({ tries: eb('tries', '+', 1) }))
        .where('tenant_id', '=', tenantId)
        .where('email', '=', email)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('tries', '<', maxTries)
        .returningAll()
        .executeTakeFirst();
      return row ? toEmailCode(row) : null;
    },
    /** Uses the code: true for exactly one caller. */
    async use(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('email_codes')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteExpired(before: number): Promise<number> {
      const result = await db.deleteFrom('email_codes').where('expires_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteByEmail(tenantId: string, email: string): Promise<void> {
      await db.deleteFrom('email_codes').where('tenant_id', '=', tenantId).where('email', '=', email).execute();
    },
  };
}
