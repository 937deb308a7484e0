import type { Kysely, Selectable } from 'kysely';
import type { Database, MessagesTable } from './schema.js';
import type { Message } from './records.js';
import { insertMessages } from './write-statements.js';

const toMessage = (row: Omit<Selectable<MessagesTable>, 'seq'>): Message => ({
  id: row.id,
  tenantId: row.tenant_id,
  conversationId: row.conversation_id,
  sessionId: row.session_id,
  role: row.role,
  content: row.content,
  clientId: row.client_id,
  replyTo: row.reply_to,
  createdAt: Number(row.created_at),
  ...(Number(row.stopped) === 1 ? { stopped: true } : {}),
  ...(row.reply_error ? { replyError: row.reply_error as Message['replyError'] } : {}),
});

const COLUMNS = [
  'id',
  'tenant_id',
  'conversation_id',
  'session_id',
  'role',
  'content',
  'client_id',
  'reply_to',
  'created_at',
  'stopped',
  'reply_error',
] as const;

export function messageRepo(db: Kysely<Database>) {
  return {
    /**
     * Inserts many messages in one statement. A user message whose client id the
     * session already stored is skipped; the ids actually inserted are returned.
     */
    async insertMany(messages: Message[]): Promise<Set<string>> {
      if (messages.length === 0) return new Set();
      const rows = await insertMessages(db, messages).returning('id').execute();
      return new Set(rows.map((row) => row.id));
    },
    async get(id: string): Promise<Message | null> {
      const row = await db.selectFrom('messages').select(COLUMNS).where('id', '=', id).executeTakeFirst();
      return row ? toMessage(row) : null;
    },
    /** Marks an assistant reply as cut short by a stop. */
    async markStopped(id: string): Promise<void> {
      await db.updateTable('messages').set({ stopped: 1 }).where('id', '=', id).execute();
    },
    /** Records that the reply to a user message failed; false if it was already marked. */
    async markReplyFailed(id: string, code: NonNullable<Message['replyError']>): Promise<boolean> {
      const result = await db
        .updateTable('messages')
        .set({ reply_error: code })
        .where('id', '=', id)
        .where('reply_error', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    /** The highest `seq` stored so far (0 when none): where a scan of new messages ends. */
    async lastSeq(): Promise<number> {
      const row = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirst();
      return Number(row?.seq ?? 0);
    },
    /**
     * User messages with `afterSeq < seq <= uptoSeq` that have no reply, no recorded failure and no
     * turn waiting for a sign-in: turns still running, or ones a node died in the middle of. A range
     * of the primary key, so a scan costs what was stored since the last one.
     */
    async listUnanswered(afterSeq: number, uptoSeq: number, limit: number): Promise<(Message & { seq: number })[]> {
      const rows = await db
        .selectFrom('messages as m')
        .select([...COLUMNS.map((column) => `m.${column}` as const), 'm.seq'])
        .where('m.seq', '>', afterSeq)
        .where('m.seq', '<=', uptoSeq)
        .where('m.role', '=', 'user')
        .where('m.reply_error', 'is', null)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('messages as r').select('r.id').whereRef('r.reply_to', '=', 'm.id'))))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('pending_turns as p').select('p.message_id').whereRef('p.message_id', '=', 'm.id'))),
        )
        .orderBy('m.seq')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...toMessage(row), seq: Number(row.seq) }));
    },
    async findByClientId(sessionId: string, clientId: string): Promise<Message | null> {
      const row = await db
        .selectFrom('messages')
        .select(COLUMNS)
        .where('session_id', '=', sessionId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? toMessage(row) : null;
    },
    /** Messages of a conversation in order, the `limit` newest before message `before` (an id). */
    async listByConversation(conversationId: string, options: { beforeId?: string; limit: number }): Promise<Message[]> {
      let query = db.selectFrom('messages').select(COLUMNS).where('conversation_id', '=', conversationId);
      if (options.beforeId) {
        const beforeId = options.beforeId;
        query = query.where('seq', '<', (eb) => eb.selectFrom('messages').select('seq').where('id', '=', beforeId));
      }
      const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute();
      return rows.reverse().map(toMessage);
    },
    async countByTenantSince(tenantId: string, from: number, to: number): Promise<number> {
      const row = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listByConversations(conversationIds: string[]): Promise<Message[]> {
      if (conversationIds.length === 0) return [];
      const rows = await db.selectFrom('messages').select(COLUMNS).where('conversation_id', 'in', conversationIds).orderBy('seq').execute();
      return rows.map(toMessage);
    },
    async deleteByConversations(conversationIds: string[]): Promise<number> {
      if (conversationIds.length === 0) return 0;
      const result = await db.deleteFrom('messages').where('conversation_id', 'in', conversationIds).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteOlderThan(tenantId: string, before: number, limit: number): Promise<number> {
      const result = await db
        .deleteFrom('messages')
        .where('seq', 'in', (eb) =>
          eb.selectFrom('messages').select('seq').where('tenant_id', '=', tenantId).where('created_at', '<', before).limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
