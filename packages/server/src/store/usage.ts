import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { addToUsageCounters } from './write-statements.js';

/** Anonymous ids and users seen per month: the billing figure, and who is linked to whom. */
export function usageRepo(db: Kysely<Database>) {
  return {
    /** Many actives at once (those seen before are skipped), in statements of up to 500 rows. */
    async recordActives(actives: { tenantId: string; month: string; kind: 'anonymous' | 'user'; subjectId: string }[]): Promise<void> {
      for (let start = 0; start < actives.length; start += 500) {
        await db
          .insertInto('monthly_actives')
          .values(
            actives
              .slice(start, start + 500)
              .map((a) => ({ tenant_id: a.tenantId, month: a.month, subject_kind: a.kind, subject_id: a.subjectId })),
          )
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },
    async countActives(tenantId: string, month: string): Promise<{ anonymous: number; user: number }> {
      const rows = await db
        .selectFrom('monthly_actives')
        .select(['subject_kind', (eb) => eb.fn.countAll<number>().as('n')])
        .where('tenant_id', '=', tenantId)
        .where('month', '=', month)
        .groupBy('subject_kind')
        .execute();
      const count = (kind: string) => Number(rows.find((r) => r.subject_kind === kind)?.n ?? 0);
      return { anonymous: count('anonymous'), user: count('user') };
    },
    /** Adds to a month's session and message counts in one statement. */
    async count(tenantId: string, month: string, increments: { sessions?: number; messages?: number }): Promise<void> {
      await addToUsageCounters(db, tenantId, month, increments.sessions ?? 0, increments.messages ?? 0).execute();
    },
    async counters(tenantId: string, month: string): Promise<{ sessions: number; messages: number }> {
      const row = await db
        .selectFrom('usage_counters')
        .select(['sessions', 'messages'])
        .where('tenant_id', '=', tenantId)
        .where('month', '=', month)
        .executeTakeFirst();
      return { sessions: Number(row?.sessions ?? 0), messages: Number(row?.messages ?? 0) };
    },
    async linkAnonymous(tenantId: string, anonymousId: string, userId: string, at: number): Promise<void> {
      await db
        .insertInto('anonymous_links')
        .values({ tenant_id: tenantId, anonymous_id: anonymousId, user_id: userId, linked_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async anonymousIdsOfUser(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('anonymous_links').select('anonymous_id').where('user_id', '=', userId).execute();
      return rows.map((row) => row.anonymous_id);
    },
    async usersOfAnonymousId(anonymousId: string): Promise<string[]> {
      const rows = await db.selectFrom('anonymous_links').select('user_id').where('anonymous_id', '=', anonymousId).execute();
      return rows.map((row) => row.user_id);
    },
    /**
     * Erasure, within one tenant only (a browser's anonymous id is the same for every tenant):
     * the links of `userIds`, and every link of `anonymousIds`; the monthly actives of `actives`.
     */
    async deleteSubjects(tenantId: string, subjects: { userIds?: string[]; anonymousIds?: string[]; actives?: string[] }): Promise<number> {
      const { userIds = [], anonymousIds = [], actives = [] } = subjects;
      let links = 0;
      if (userIds.length + anonymousIds.length > 0) {
        const result = await db
          .deleteFrom('anonymous_links')
          .where('tenant_id', '=', tenantId)
          .where((eb) => {
            const clauses = [];
            if (userIds.length > 0) clauses.push(eb('user_id', 'in', userIds));
            if (anonymousIds.length > 0) clauses.push(eb('anonymous_id', 'in', anonymousIds));
            return eb.or(clauses);
          })
          .executeTakeFirst();
        links = Number(result.numDeletedRows);
      }
      if (actives.length > 0) {
        await db.deleteFrom('monthly_actives').where('tenant_id', '=', tenantId).where('subject_id', 'in', actives).execute();
      }
      return links;
    },
  };
}
