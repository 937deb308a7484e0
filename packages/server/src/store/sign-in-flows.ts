import type { Kysely, Selectable } from 'kysely';
import type { SignInFlow, SignInFlowMethod, SignInFlowStatus } from './records.js';
import type { Database, SignInFlowsTable } from './schema.js';

const toFlow = (row: Selectable<SignInFlowsTable>): SignInFlow => ({
  id: row.id,
  tenantId: row.tenant_id,
  sessionId: row.session_id,
  method: row.method as SignInFlowMethod,
  provider: row.provider,
  secretHash: row.secret_hash,
  stateHash: row.state_hash,
  origin: row.origin,
  returnTo: row.return_to,
  status: row.status as SignInFlowStatus,
  userId: row.user_id,
  amr: row.amr === null ? null : (JSON.parse(row.amr) as string[]),
  errorCode: row.error_code,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  email: row.email,
  matchCode: row.match_code,
  browserHash: row.browser_hash,
  tries: Number(row.tries),
});

/**
 * Sign-in flows. Every change of status is one conditional statement, so a callback, a
 * completion and a redemption each happen once however many requests and nodes race.
 */
export function signInFlowRepo(db: Kysely<Database>) {
  return {
    async insert(flow: SignInFlow): Promise<void> {
      await db
        .insertInto('sign_in_flows')
        .values({
          id: flow.id,
          tenant_id: flow.tenantId,
          session_id: flow.sessionId,
          method: flow.method,
          provider: flow.provider,
          secret_hash: flow.secretHash,
          state_hash: flow.stateHash,
          origin: flow.origin,
          return_to: flow.returnTo,
          status: flow.status,
          user_id: flow.userId,
          amr: flow.amr === null ? null : JSON.stringify(flow.amr),
          error_code: flow.errorCode,
          created_at: flow.createdAt,
          expires_at: flow.expiresAt,
          email: flow.email,
          match_code: flow.matchCode,
          browser_hash: flow.browserHash,
          tries: flow.tries,
        })
        .execute();
    },
    async get(id: string): Promise<SignInFlow | null> {
      const row = await db.selectFrom('sign_in_flows').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toFlow(row) : null;
    },
    async findByState(stateHash: string): Promise<SignInFlow | null> {
      const row = await db.selectFrom('sign_in_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
      return row ? toFlow(row) : null;
    },
    /** Claims a pending, unexpired flow for its one completion: the flow, or null when it is not there to claim. */
    async claim(stateHash: string, now: number): Promise<SignInFlow | null> {
      const row = await db
        .updateTable('sign_in_flows')
        .set({ status: 'completing' })
        .where('state_hash', '=', stateHash)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? toFlow(row) : null;
    },
    /** Counts one wrong match code; the flow's tries after it (0 when the flow is not pending). */
    async countTry(id: string): Promise<number> {
      const row = await db
        .updateTable('sign_in_flows')
        .set((eb) => ({ tries: eb('tries', '+', 1) }))
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returning('tries')
        .executeTakeFirst();
      return row ? Number(row.tries) : 0;
    },
    /** A claimed flow completed: who signed in, and how. */
    async complete(id: string, userId: string, amr: string[]): Promise<boolean> {
      const result = await db
        .updateTable('sign_in_flows')
        .set({ status: 'completed', user_id: userId, amr: JSON.stringify(amr) })
        .where('id', '=', id)
        .where('status', '=', 'completing')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** A pending or claimed flow ends without a sign-in. */
    async fail(id: string, errorCode: string): Promise<boolean> {
      const result = await db
        .updateTable('sign_in_flows')
        .set({ status: 'failed', error_code: errorCode })
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'completing'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Redeems a completed, unexpired flow: true for exactly one caller. */
    async redeem(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('sign_in_flows')
        .set({ status: 'redeemed' })
        .where('id', '=', id)
        .where('status', '=', 'completed')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteExpired(before: number): Promise<number> {
      const result = await db.deleteFrom('sign_in_flows').where('expires_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteSessions(sessionIds: string[]): Promise<void> {
      if (sessionIds.length === 0) return;
      await db.deleteFrom('sign_in_flows').where('session_id', 'in', sessionIds).execute();
    },
  };
}
