import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable, Database } from './schema.js';
import type { AuditEntry } from './records.js';

const toEntry = (row: Selectable<AuditLogTable>): AuditEntry => ({
  id: row.id,
  tenantId: row.tenant_id,
  at: Number(row.at),
  actor: row.actor,
  action: row.action,
  target: row.target,
  details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
});

export interface AuditPageQuery {
  limit: number;
  /** Only entries strictly older than this position (newest first). */
  before?: { at: number; id: string };
  action?: string;
  target?: string;
}

export function auditLogRepo(db: Kysely<Database>) {
  return {
    async insert(entry: AuditEntry): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({
          id: entry.id,
          tenant_id: entry.tenantId,
          at: entry.at,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          details: entry.details === null ? null : JSON.stringify(entry.details),
        })
        .execute();
    },
    /** A page of a tenant's entries, newest first, ordered by (at, id). */
    async page(tenantId: string, query: AuditPageQuery): Promise<AuditEntry[]> {
      let select = db.selectFrom('audit_log').selectAll().where('tenant_id', '=', tenantId);
      if (query.action !== undefined) select = select.where('action', '=', query.action);
      if (query.target !== undefined) select = select.where('target', '=', query.target);
      const before = query.before;
      if (before) {
        select = select.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]));
      }
      const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toEntry);
    },
    async deleteOlderThan(tenantId: string, at: number): Promise<number> {
      const result = await db.deleteFrom('audit_log').where('tenant_id', '=', tenantId).where('at', '<', at).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
