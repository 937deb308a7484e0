import type { Kysely, Selectable } from 'kysely';
import type { ConversationsTable, Database } from './schema.js';
import type { Conversation, ConversationSummary } from './records.js';
import { touchConversations } from './write-statements.js';

const toConversation = (row: Selectable<ConversationsTable>): Conversation => ({
  id: row.id,
  tenantId: row.tenant_id,
  sessionId: row.session_id,
  anonymousId: row.anonymous_id,
  userId: row.user_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

export function conversationRepo(db: Kysely<Database>) {
  const summaries = () =>
    db
      .selectFrom('conversations as c')
      .selectAll('c')
      .select((eb) => [
        eb
          .selectFrom('messages as m')
          .select((m) => m.fn.countAll<number>().as('n'))
          .whereRef('m.conversation_id', '=', 'c.id')
          .as('message_count'),
        eb
          .selectFrom('messages as m')
          .select('m.content')
          .whereRef('m.conversation_id', '=', 'c.id')
          .where('m.role', '=', 'user')
          .orderBy('m.seq')
          .limit(1)
          .as('preview'),
      ]);
  type SummaryRow = Selectable<ConversationsTable> & { message_count: number | string | null; preview: string | null };
  const toSummary = (row: SummaryRow): ConversationSummary => ({
    ...toConversation(row),
    messageCount: Number(row.message_count ?? 0),
    preview: row.preview,
  });

  return {
    async insert(conversation: Conversation): Promise<void> {
      await db
        .insertInto('conversations')
        .values({
          id: conversation.id,
          tenant_id: conversation.tenantId,
          session_id: conversation.sessionId,
          anonymous_id: conversation.anonymousId,
          user_id: conversation.userId,
          created_at: conversation.createdAt,
          updated_at: conversation.updatedAt,
        })
        .execute();
    },
    async get(id: string): Promise<Conversation | null> {
      const row = await db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toConversation(row) : null;
    },
    async latestOfSession(sessionId: string): Promise<Conversation | null> {
      const row = await db
        .selectFrom('conversations')
        .selectAll()
        .where('session_id', '=', sessionId)
        .orderBy('updated_at', 'desc')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row ? toConversation(row) : null;
    },
    async listBySession(sessionId: string): Promise<ConversationSummary[]> {
      const rows = await summaries().where('c.session_id', '=', sessionId).orderBy('c.updated_at', 'desc').execute();
      return rows.map(toSummary);
    },
    async listByUser(userId: string): Promise<ConversationSummary[]> {
      const rows = await summaries().where('c.user_id', '=', userId).orderBy('c.updated_at', 'desc').execute();
      return rows.map(toSummary);
    },
    async summary(id: string): Promise<ConversationSummary | null> {
      const row = await summaries().where('c.id', '=', id).executeTakeFirst();
      return row ? toSummary(row) : null;
    },
    async assignSessionToUser(sessionId: string, userId: string): Promise<number> {
      const result = await db.updateTable('conversations').set({ user_id: userId }).where('session_id', '=', sessionId).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async touchMany(ids: string[], at: number): Promise<void> {
      if (ids.length === 0) return;
      await touchConversations(db, ids, at).execute();
    },
    /** Everything an erasure must remove: the user's conversations and those of the given sessions. */
    async listByUserOrSessions(userId: string | null, sessionIds: string[]): Promise<Conversation[]> {
      if (userId === null && sessionIds.length === 0) return [];
      const rows = await db
        .selectFrom('conversations')
        .selectAll()
        .where((eb) => {
          const clauses = [];
          if (userId !== null) clauses.push(eb('user_id', '=', userId));
          if (sessionIds.length > 0) clauses.push(eb('session_id', 'in', sessionIds));
          return eb.or(clauses);
        })
        .orderBy('created_at')
        .execute();
      return rows.map(toConversation);
    },
    async deleteByIds(ids: string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await db.deleteFrom('conversations').where('id', 'in', ids).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteBySessions(sessionIds: string[]): Promise<number> {
      if (sessionIds.length === 0) return 0;
      const result = await db.deleteFrom('conversations').where('session_id', 'in', sessionIds).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
