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
