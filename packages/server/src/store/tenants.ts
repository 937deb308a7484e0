import type { Kysely, Selectable } from 'kysely';
import type { Database, TenantsTable } from './schema.js';
import type { Tenant, TenantSettings } from './records.js';

const toTenant = (row: Selectable<TenantsTable>): Tenant => ({
  id: row.id,
  name: row.name,
  settings: JSON.parse(row.settings) as TenantSettings,
  createdAt: Number(row.created_at),
});

export function tenantRepo(db: Kysely<Database>) {
  return {
    async insert(tenant: Tenant): Promise<void> {
      await db
        .insertInto('tenants')
        .values({ id: tenant.id, name: tenant.name, settings: JSON.stringify(tenant.settings), created_at: tenant.createdAt })
        .execute();
    },
    async get(id: string): Promise<Tenant | null> {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toTenant(row) : null;
    },
    async first(): Promise<Tenant | null> {
      const row = await db.selectFrom('tenants').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
      return row ? toTenant(row) : null;
    },
    async list(): Promise<Tenant[]> {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('created_at').execute();
      return rows.map(toTenant);
    },
    async updateSettings(id: string, settings: TenantSettings): Promise<void> {
      await db
        .updateTable('tenants')
        .set({ settings: JSON.stringify(settings) })
        .where('id', '=', id)
        .execute();
    },
  };
}
