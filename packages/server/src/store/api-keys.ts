import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from './schema.js';
import type { ApiKey } from './records.js';
import { parseJson } from './json.js';

const toApiKey = (row: Selectable<ApiKeysTable>): ApiKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  kind: row.kind,
  name: row.name,
  secretHash: row.secret_hash,
  scopes: JSON.parse(row.scopes) as string[],
  allowedIps: parseJson<string[]>(row.allowed_ips),
  expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  createdAt: Number(row.created_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  replacedBy: row.replaced_by,
  rateLimitPerMinute: row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
});

export function apiKeyRepo(db: Kysely<Database>) {
  return {
    async insert(key: ApiKey): Promise<void> {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          tenant_id: key.tenantId,
          kind: key.kind,
          name: key.name,
          secret_hash: key.secretHash,
          scopes: JSON.stringify(key.scopes),
          allowed_ips: key.allowedIps ? JSON.stringify(key.allowedIps) : null,
          expires_at: key.expiresAt,
          created_at: key.createdAt,
          revoked_at: key.revokedAt,
          last_used_at: key.lastUsedAt,
          replaced_by: key.replacedBy,
          rate_limit_per_minute: key.rateLimitPerMinute ?? null,
        })
        .execute();
    },
    async get(id: string): Promise<ApiKey | null> {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toApiKey(row) : null;
    },
    async list(tenantId: string): Promise<ApiKey[]> {
      const rows = await db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
      return rows.map(toApiKey);
    },
    async revoke(id: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** Marks a live key as replaced, once: false if it was already replaced or revoked (a concurrent rotation won). */
    async markReplaced(id: string, replacedBy: string, expiresAt: number): Promise<boolean> {
      const result = await db
        .updateTable('api_keys')
        .set({ replaced_by: replacedBy, expires_at: expiresAt })
        .where('id', '=', id)
        .where('replaced_by', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async touch(id: string, at: number): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
