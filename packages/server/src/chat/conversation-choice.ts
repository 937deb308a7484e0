import type { Conversation, ConversationSummary, Session } from '../store/index.js';
import type { Conversations } from './conversations.js';

/**
 * Which conversation one socket is in: the one a message or `resume` names (only the
 * caller's own), else the session's most recent, created on its first message.
 */
export class ConversationChoice {
  private active: Promise<Conversation> | null = null;

  constructor(private readonly conversations: Conversations) {}

  /** The conversation a message goes to: `named` (so a `resume` survives reconnects), else the active one. */
  async forMessage(session: Session, named?: string): Promise<Conversation> {
    if (named !== undefined && (await this.active)?.id !== named) return this.switchTo(session, named);
    this.active ??= this.conversations.activeFor(session).catch((error: unknown) => {
      this.active = null;
      throw error;
    });
    return this.active;
  }

  /** The conversation history is read from; asking starts none (an empty one would show up in every list). */
  async forHistory(session: Session): Promise<Conversation | null> {
    return this.active ? this.forMessage(session) : this.conversations.latestOf(session);
  }

  /** Switches to another conversation the caller owns: the only way histories meet. */
  async switchTo(session: Session, conversationId: string): Promise<ConversationSummary> {
    const owned = await this.conversations.owned(session, conversationId);
    this.active = Promise.resolve(owned);
    return owned;
  }

  /** After a sign-in the session's conversations are chosen afresh. */
  reset(): void {
    this.active = null;
  }
}
