import type { MessageInfo, ServerFrame } from '@tessera/protocol';
import type { AgentDirectory, AgentTurn, ToolTokenIssuer } from '../agents/index.js';
import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId, newTimeOrderedId } from '../ids.js';
import type { Metrics } from '../metrics.js';
import { describeMessage, type Sessions, signInClaimsOf } from '../sessions/index.js';
import type { Conversation, Session, Store, Tenant, User } from '../store/index.js';
import { agentSettingsOf, signInMethodsOf, type Tenants, type VisitorLimits } from '../tenancy/index.js';
import { relayReply } from './agent-reply.js';
import type { Conversations } from './conversations.js';
import type { MessageWriter } from './message-writer.js';
import type { RunningTurns } from './running-turns.js';

export interface ChatTurnDeps {
  clock: Clock;
  store: Store;
  bus: Bus;
  tenants: Tenants;
  visitorLimits: VisitorLimits;
  sessions: Sessions;
  conversations: Conversations;
  messageWriter: MessageWriter;
  agents: AgentDirectory;
  toolTokens: ToolTokenIssuer;
  running: RunningTurns;
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

/** What a turn tells the socket that started it. Everything after the ack goes to all the session's sockets. */
export interface TurnEvents {
  /** The user message is stored (or was already, under `messageId`). */
  acknowledged(ack: { clientId: string; messageId: string; conversationId: string; duplicate: boolean }): void;
  /** Activity pushed the session's idle expiry forward. */
  touched(session: Session): void;
}

/** A stored user message to answer, for whom. */
export interface TurnSubject {
  tenant: Tenant;
  session: Session;
  user: User | null;
  conversationId: string;
  message: { id: string; clientId: string | null; content: string; createdAt: number };
  /** The conversation's messages before this one, most recent first, when already read. */
  history?: Promise<MessageInfo[]>;
}

/** The agent sees at most this many earlier messages, most recent first. */
const AGENT_HISTORY_LIMIT = 50;

/**
 * One chat turn: the message rate limits (per session, visitor and client address, see
 * tenancy/visitor-limits.ts), the conversation, the user message stored (acknowledged only
 * after commit, deduplicated by client id), then the agent's reply for the verified identity,
 * streamed to every socket of the session and stored once whole.
 */
export class ChatTurns {
  constructor(private readonly deps: ChatTurnDeps) {}

  async take(speaker: Speaker, message: UserMessage, conversationOf: () => Promise<Conversation>, events: TurnEvents): Promise<void> {
    const { deps } = this;
    const { session, user } = speaker;
    const tenant = await this.admit(speaker);
    const conversation = await conversationOf();
    const createdAt = deps.clock.now();
    // An agent that reads the history every turn gets it read while the message is stored.
    const history = deps.agents.agentFor(tenant).readsHistory ? this.latestHistory(conversation.id) : undefined;
    history?.catch(() => undefined);
    const stored = await this.store(session, conversation.id, {
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
    await this.answer({
      tenant,
      session,
      user,
      conversationId: conversation.id,
      message: { id: stored.messageId, clientId: message.clientId, content: message.content, createdAt },
      history: history?.then((messages) => messages.filter((earlier) => earlier.id !== stored.messageId).slice(0, AGENT_HISTORY_LIMIT)),
    });
  }

  /** Asks the `stop` of the reply to `messageId` of every node: the one running it aborts it. */
  async stop(session: Session, messageId: string): Promise<void> {
    await this.deps.bus.publish({ type: 'turn.stop', sessionId: session.id, messageId });
  }

  /**
   * Runs the agent for a stored user message and relays its reply: deltas as they come, then
   * the whole reply stored (marked `stopped` after a stop), then, if the agent asked for a
   * signed-in person, the turn is kept to run again after sign-in (see pending-turns.ts).
   * A failure is an error frame; the user message stays stored.
   */
  async answer(subject: TurnSubject): Promise<void> {
    const { deps } = this;
    const { tenant, user, conversationId, message } = subject;
    // The socket's copy may predate a re-authentication made elsewhere: identity comes from the session as it is now.
    const session = await deps.sessions.current(subject.session);
    const settings = agentSettingsOf(tenant);
    const running = deps.running.start(session.id, message.id, settings.timeoutMs);
    if (!running) return this.fail(subject, 'AGENT_UNAVAILABLE', 'too many agent calls in flight; try again shortly');
    let outcome: Awaited<ReturnType<typeof relayReply>>;
    try {
      let tool: { token: string; expiresAt: number } | null = null;
      const toolToken = () => (tool ??= deps.toolTokens.issue(tenant, session, user, conversationId, deps.clock.now()));
      const signedIn = signInClaimsOf(session, user);
      const turn: AgentTurn = {
        turnId: newId('turn'),
        message: { id: message.id, content: message.content, createdAt: message.createdAt },
        conversation: { id: conversationId, history: () => subject.history ?? this.historyBefore(session, conversationId, message.id) },
        identity: {
          tenantId: session.tenantId,
          sessionId: session.id,
          anonymousId: session.anonymousId,
          userId: user?.externalId ?? null,
          name: user?.name ?? null,
          custom: user?.custom ?? {},
          authTime: signedIn?.auth_time ?? null,
          amr: signedIn?.amr ?? [],
        },
        get toolToken() {
          return toolToken().token;
        },
        get toolTokenExpiresAt() {
          return toolToken().expiresAt;
        },
      };
      outcome = await relayReply(deps.agents.agentFor(tenant), turn, running, settings.maxReplyChars, (frame) =>
        this.send(session.id, frame),
      );
    } finally {
      running.finish();
    }
    if (outcome.kind === 'failed') return this.fail(subject, outcome.code, outcome.message);
    if (outcome.text.length > 0 || outcome.stopped) {
      const reply = await this.store(session, conversationId, {
        role: 'assistant',
        content: outcome.text,
        clientId: null,
        replyTo: message.id,
      });
      if (outcome.stopped) await deps.store.messages.markStopped(reply.messageId);
      this.send(session.id, {
        type: 'message',
        id: reply.messageId,
        role: 'assistant',
        content: outcome.text,
        replyTo: message.id,
        conversationId,
        ...(outcome.stopped ? { stopped: true as const } : {}),
      });
    }
    const asked = outcome.authRequired;
    if (!asked) return;
    await deps.store.pendingTurns.put({
      sessionId: session.id,
      tenantId: tenant.id,
      conversationId,
      messageId: message.id,
      maxAgeSeconds: asked.maxAgeSeconds ?? null,
      createdAt: deps.clock.now(),
    });
    this.send(session.id, {
      type: 'auth_required',
      replyTo: message.id,
      conversationId,
      reason: asked.reason,
      methods: asked.methods ?? signInMethodsOf(tenant),
      ...(asked.maxAgeSeconds !== undefined ? { maxAgeSeconds: asked.maxAgeSeconds } : {}),
    });
  }

  /** The turn failed: the user message says so in history, and the session's sockets are told. */
  private async fail(subject: TurnSubject, code: 'AGENT_UNAVAILABLE' | 'AGENT_TIMEOUT', message: string): Promise<void> {
    this.deps.metrics.agentFailures.inc({ code });
    await this.deps.store.messages.markReplyFailed(subject.message.id, code);
    this.send(subject.session.id, {
      type: 'error',
      code,
      message,
      replyTo: subject.message.id,
      ...(subject.message.clientId !== null ? { id: subject.message.clientId } : {}),
    });
  }

  /** To every socket of the session, on every node. */
  private send(sessionId: string, frame: ServerFrame): void {
    void this.deps.bus.publish({ type: 'session.frame', sessionId, frame });
  }

  private async historyBefore(session: Session, conversationId: string, messageId: string) {
    const earlier = await this.deps.conversations.messages(session, conversationId, { before: messageId, limit: AGENT_HISTORY_LIMIT });
    return earlier.map(describeMessage).reverse();
  }

  /** The conversation's latest messages, most recent first: read before the new one is stored (it may be among them). */
  private async latestHistory(conversationId: string): Promise<MessageInfo[]> {
    const latest = await this.deps.store.messages.listByConversation(conversationId, { limit: AGENT_HISTORY_LIMIT + 1 });
    return latest.map(describeMessage).reverse();
  }

  private async admit({ session, clientIp }: Speaker): Promise<Tenant> {
    const tenant = await this.deps.tenants.get(session.tenantId);
    const sender = { sessionId: session.id, anonymousId: session.anonymousId, userId: session.userId, clientIp };
    try {
      await this.deps.visitorLimits.admitMessage(tenant, sender);
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'RATE_LIMITED') this.deps.metrics.rateLimitedMessages.inc();
      throw error;
    }
    return tenant;
  }

  private store(
    session: Session,
    conversationId: string,
    message: { role: 'user' | 'assistant'; content: string; clientId: string | null; replyTo: string | null },
  ) {
    const now = this.deps.clock.now();
    return this.deps.messageWriter.write({
      id: newTimeOrderedId('msg', now),
      tenantId: session.tenantId,
      conversationId,
      sessionId: session.id,
      createdAt: now,
      ...message,
    });
  }
}
