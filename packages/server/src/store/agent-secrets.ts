import type { Kysely, Selectable } from 'kysely';
import type { AgentSecretsTable, Database } from './schema.js';
import type { AgentSecret } from './records.js';

const toAgentSecret = (row: Selectable<AgentSecretsTable>): AgentSecret => ({
  id: row.id,
  tenantId: row.tenant_id,
  secretSealed: row.secret_sealed,
  createdAt: Number(row.created_at),
  retiresAt: row.retires_at === null ? null : Number(row.retires_at),
});

/** Tenants' agent signing secrets: the current one, and rotated-out ones until they retire. */
export function agentSecretRepo(db: Kysely<Database>) {
  return {
    /** The secrets that sign at `now`, newest first. */
    async listLive(tenantId: string, now: number): Promise<AgentSecret[]> {
      const rows = await db
        .selectFrom('agent_secrets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('retires_at', 'is', null), eb('retires_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toAgentSecret);
    },
    /** Makes `secret` the current one; the previous current one keeps signing until `previousRetiresAt`. */
    async rotate(secret: AgentSecret, previousRetiresAt: number): Promise<void> {
      await db
        .updateTable('agent_secrets')
        .set({ retires_at: previousRetiresAt })
        .where('tenant_id', '=', secret.tenantId)
        .where('retires_at', 'is', null)
        .execute();
      await db
        .insertInto('agent_secrets')
        .values({
          id: secret.id,
          tenant_id: secret.tenantId,
          secret_sealed: secret.secretSealed,
          created_at: secret.createdAt,
          retires_at: secret.retiresAt,
        })
        .execute();
    },
    async deleteRetired(now: number): Promise<number> {
      const result = await db.deleteFrom('agent_secrets').where('retires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
