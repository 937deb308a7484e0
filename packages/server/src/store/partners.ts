import type { Kysely, Selectable } from 'kysely';
import type { Database, PartnersTable } from './schema.js';
import type { Partner, VerificationConfig } from './records.js';

const toPartner = (row: Selectable<PartnersTable>): Partner => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  allowedOrigins: JSON.parse(row.allowed_origins) as string[],
  verification: JSON.parse(row.verification) as VerificationConfig,
  trustedToAssertUsers: Number(row.trusted_to_assert_users) === 1,
  createdAt: Number(row.created_at),
});

export function partnerRepo(db: Kysely<Database>) {
  return {
    async insert(partner: Partner): Promise<void> {
      await db
        .insertInto('partners')
        .values({
          id: partner.id,
          tenant_id: partner.tenantId,
          name: partner.name,
          allowed_origins: JSON.stringify(partner.allowedOrigins),
          verification: JSON.stringify(partner.verification),
          trusted_to_assert_users: partner.trustedToAssertUsers ? 1 : 0,
          created_at: partner.createdAt,
        })
        .execute();
    },
    async get(id: string): Promise<Partner | null> {
      const row = await db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toPartner(row) : null;
    },
    async list(tenantId: string): Promise<Partner[]> {
      const rows = await db
        .selectFrom('partners')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toPartner);
    },
    /** Every partner's allowed origins, across tenants: what CORS answers to. */
    async allOrigins(): Promise<string[]> {
      const rows = await db.selectFrom('partners').select('allowed_origins').execute();
      return rows.flatMap((row) => JSON.parse(row.allowed_origins) as string[]);
    },
    async delete(tenantId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('partners').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
