import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newTimeOrderedId } from '../ids.js';
import type { Conversation, ConversationSummary, Message, Session, Store } from '../store/index.js';

export const MAX_HISTORY_PAGE = 200;

/** Conversations and their messages, always seen through the caller's session. */
export class Conversations {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The session's most recent conversation, if it has one (nothing is created). */
  latestOf(session: Session): Promise<Conversation | null> {
    return this.store.conversations.latestOfSession(session.id);
  }

  /** The session's most recent conversation, or a new one. */
  async activeFor(session: Session): Promise<Conversation> {
    const latest = await this.latestOf(session);
    if (latest) return latest;
    const now = this.clock.now();
    const conversation: Conversation = {
      id: newTimeOrderedId('conv', now),
      tenantId: session.tenantId,
      sessionId: session.id,
      anonymousId: session.anonymousId,
      userId: session.userId,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.conversations.insert(conversation);
    return conversation;
  }

  /** For a user: all of the user's conversations, newest first; for an anonymous session: its own. */
  listFor(session: Session): Promise<ConversationSummary[]> {
    return session.userId ? this.store.conversations.listByUser(session.userId) : this.store.conversations.listBySession(session.id);
  }

  /** A conversation the caller owns, or NOT_FOUND (also for other people's: no existence oracle). */
  async owned(session: Session, conversationId: string): Promise<ConversationSummary> {
    const conversation = await this.store.conversations.summary(conversationId);
    if (!conversation || !ownsConversation(session, conversation)) throw new TesseraError('NOT_FOUND', 'no such conversation');
    return conversation;
  }

  async messages(session: Session, conversationId: string, options: { before?: string; limit?: number } = {}): Promise<Message[]> {
    await this.owned(session, conversationId);
    const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_HISTORY_PAGE);
    return this.store.messages.listByConversation(conversationId, { beforeId: options.before, limit });
  }
}

export function ownsConversation(session: Session, conversation: Conversation): boolean {
  if (conversation.tenantId !== session.tenantId) return false;
  return session.userId ? conversation.userId === session.userId : conversation.sessionId === session.id;
}
