import type { Agent } from '../agents/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newTimeOrderedId } from '../ids.js';
import type { Metrics } from '../metrics.js';
import { describeMessage, type Sessions } from '../sessions/index.js';
import type { Conversation, Session, User } from '../store/index.js';
import type { Tenants, VisitorLimits } from '../tenancy/index.js';
import type { Conversations } from './conversations.js';
import type { MessageWriter } from './message-writer.js';

export interface ChatTurnDeps {
  clock: Clock;
  tenants: Tenants;
  visitorLimits: VisitorLimits;
  sessions: Sessions;
  conversations: Conversations;
  messageWriter: MessageWriter;
  agent: Agent;
  metrics: Metrics;
}

/** Who speaks: the verified session, its user (null while anonymous) and the client's address. */
export interface Speaker {
  session: Session;
  user: User | null;
  clientIp: string;
}

export interface UserMessage {
  /** The client's own id of the message: a second message with it is a duplicate. */
  clientId: string;
  content: string;
}

/** What a turn tells the socket that started it, as it happens. */
export interface TurnEvents {
  /** The user message is stored (or was already, under `messageId`). */
  acknowledged(ack: { clientId: string; messageId: string; conversationId: string; duplicate: boolean }): void;
  /** Activity pushed the session's idle expiry forward. */
  touched(session: Session): void;
  /** The agent's reply is stored. */
  replied(reply: { messageId: string; content: string; replyTo: string; conversationId: string }): void;
}

const AGENT_HISTORY_LIMIT = 200;

/**
 * One chat turn: the message rate limits (per session, visitor and client address, see
 * tenancy/visitor-limits.ts), the conversation, the user message stored (acknowledged only
 * after commit, deduplicated by client id), the agent's reply for the verified identity,
 * and that reply stored.
 */
export class ChatTurns {
  constructor(private readonly deps: ChatTurnDeps) {}

  async take(speaker: Speaker, message: UserMessage, conversationOf: () => Promise<Conversation>, events: TurnEvents): Promise<void> {
    const { deps } = this;
    const { session, user } = speaker;
    await this.admit(speaker);
    const conversation = await conversationOf();
    const stored = await this.store(session, conversation, {
      role: 'user',
      content: message.content,
      clientId: message.clientId,
      replyTo: null,
    });
    events.acknowledged({
      clientId: message.clientId,
      messageId: stored.messageId,
      conversationId: conversation.id,
      duplicate: stored.duplicate,
    });
    if (stored.duplicate) return;
    deps.metrics.messages.inc();
    void deps.sessions.touch(session).then(events.touched, () => undefined);

    const reply = await deps.agent.reply({
      message: { id: stored.messageId, content: message.content },
      conversation: {
        id: conversation.id,
        history: async () =>
          (await deps.conversations.messages(session, conversation.id, { limit: AGENT_HISTORY_LIMIT })).map(describeMessage),
      },
      identity: {
        tenantId: session.tenantId,
        sessionId: session.id,
        anonymousId: session.anonymousId,
        userId: user?.externalId ?? null,
        name: user?.name ?? null,
        custom: user?.custom ?? {},
      },
    });
    const answer = await this.store(session, conversation, {
      role: 'assistant',
      content: reply,
      clientId: null,
      replyTo: stored.messageId,
    });
    events.replied({ messageId: answer.messageId, content: reply, replyTo: stored.messageId, conversationId: conversation.id });
  }

  private async admit({ session, clientIp }: Speaker): Promise<void> {
    const tenant = await this.deps.tenants.get(session.tenantId);
    const sender = { sessionId: session.id, anonymousId: session.anonymousId, userId: session.userId, clientIp };
    try {
      await this.deps.visitorLimits.admitMessage(tenant, sender);
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'RATE_LIMITED') this.deps.metrics.rateLimitedMessages.inc();
      throw error;
    }
  }

  private store(
    session: Session,
    conversation: Conversation,
    message: { role: 'user' | 'assistant'; content: string; clientId: string | null; replyTo: string | null },
  ) {
    const now = this.deps.clock.now();
    return this.deps.messageWriter.write({
      id: newTimeOrderedId('msg', now),
      tenantId: session.tenantId,
      conversationId: conversation.id,
      sessionId: session.id,
      createdAt: now,
      ...message,
    });
  }
}
