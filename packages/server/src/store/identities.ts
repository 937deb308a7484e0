import type { Kysely, Selectable } from 'kysely';
import type { Identity, IdentityKind } from './records.js';
import type { Database, IdentitiesTable } from './schema.js';

const toIdentity = (row: Selectable<IdentitiesTable>): Identity => ({
  id: row.id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  kind: row.kind as IdentityKind,
  provider: row.provider,
  subject: row.subject,
  email: row.email,
  createdAt: Number(row.created_at),
});

/** The ways users sign in. A provider identity is unique per (tenant, provider, subject). */
export function identityRepo(db: Kysely<Database>) {
  return {
    async insert(identity: Identity): Promise<void> {
      await db
        .insertInto('identities')
        .values({
          id: identity.id,
          tenant_id: identity.tenantId,
          user_id: identity.userId,
          kind: identity.kind,
          provider: identity.provider,
          subject: identity.subject,
          email: identity.email,
          created_at: identity.createdAt,
        })
        .execute();
    },
    async findByProvider(tenantId: string, provider: string, subject: string): Promise<Identity | null> {
      const row = await db
        .selectFrom('identities')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row ? toIdentity(row) : null;
    },
    async listByUser(userId: string): Promise<Identity[]> {
      const rows = await db
        .selectFrom('identities')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toIdentity);
    },
    async delete(id: string): Promise<boolean> {
      const result = await db.deleteFrom('identities').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteByUser(userId: string): Promise<number> {
      const result = await db.deleteFrom('identities').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
