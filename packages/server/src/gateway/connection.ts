import type { ClientFrame, ServerFrame } from '@tessera/protocol';
import { CLOSE } from '@tessera/protocol';
import type { WebSocket } from 'ws';
import { isTesseraError, TesseraError } from '../errors.js';
import { newId, newTimeOrderedId } from '../ids.js';
import type { Services } from '../services.js';
import type { AuthContext } from '../sessions/index.js';
import { describeConversation, describeMessage } from '../sessions/index.js';
import type { Conversation, Session, User } from '../store/index.js';
import { parseClientFrame } from './client-frames.js';
import type { ClosableSocket } from './socket-registry.js';

/** Signs a socket in, in-band (`authenticate` frames); provided by the sign-in module. */
export interface InBandSignIn {
  authenticate(
    session: Session,
    frame: Extract<ClientFrame, { type: 'authenticate' }>,
    context: { socketId: string; ip: string },
  ): Promise<Extract<ServerFrame, { type: 'authenticated' }>>;
}

export interface ConnectionDeps {
  services: Services;
  signIn?: InBandSignIn;
  /** The socket under the WebSocket, corked while a turn sends frames so they leave in one write. */
  transport?: { cork(): void; uncork(): void };
  onClose(connection: Connection): void;
}

/** Unique across nodes (random per process) without drawing randomness for every socket. */
const SOCKET_ID_PREFIX = newId('aud');
let socketCount = 0;

/** One authenticated socket: its session, active conversation, and every frame it exchanges. */
export class Connection implements ClosableSocket {
  readonly socketId = `${SOCKET_ID_PREFIX}.${(++socketCount).toString(36)}`;
  private auth: AuthContext;
  private user: User | null;
  private activeConversation: Promise<Conversation> | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private corked = false;

  constructor(
    private readonly socket: WebSocket,
    auth: AuthContext,
    user: User | null,
    private readonly ip: string,
    private readonly deps: ConnectionDeps,
  ) {
    this.auth = auth;
    this.user = user;
    socket.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    socket.on('close', () => this.dispose());
    socket.on('error', () => this.dispose());
    this.scheduleExpiry();
  }

  get sessionId(): string {
    return this.auth.session.id;
  }

  /** The auth version this socket is signed in at. */
  get sessionVer(): number {
    return this.auth.claims.ver;
  }

  send(frame: ServerFrame): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    // Acks and replies of a whole committed batch are sent in one turn: one write, not one each.
    const { transport } = this.deps;
    if (transport && !this.corked) {
      this.corked = true;
      transport.cork();
      process.nextTick(() => {
        this.corked = false;
        transport.uncork();
      });
    }
    this.socket.send(JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.deps.onClose(this);
  }

  /** A socket whose access token expires without a `refresh` frame is closed with 4001. */
  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const remainingMs = this.auth.claims.exp * 1000 - this.deps.services.clock.now();
    this.expiryTimer = setTimeout(() => this.close(CLOSE.TOKEN_EXPIRED, 'TOKEN_EXPIRED'), Math.max(remainingMs, 0));
    this.expiryTimer.unref();
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.close(CLOSE.UNSUPPORTED_DATA, 'BAD_REQUEST');
      return;
    }
    let parsed: ReturnType<typeof parseClientFrame>;
    try {
      parsed = parseClientFrame(data.toString('utf8'));
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!parsed.ok) {
      this.send({ type: 'error', code: 'BAD_REQUEST', message: parsed.message, ...(parsed.id ? { id: parsed.id } : {}) });
      return;
    }
    const frame = parsed.frame;
    this.handle(frame).catch((error: unknown) => this.fail(error, 'id' in frame && typeof frame.id === 'string' ? frame.id : undefined));
  }

  private fail(error: unknown, frameId?: string): void {
    if (!isTesseraError(error)) {
      this.deps.services.logger.error({ err: error, sessionId: this.sessionId }, 'frame handling failed');
      this.send({ type: 'error', code: 'INTERNAL', message: 'internal error', ...(frameId ? { id: frameId } : {}) });
      return;
    }
    const closeCode = error.closeCode;
    if (closeCode !== null && error.code !== 'BAD_REQUEST') {
      this.close(closeCode, error.code);
      return;
    }
    this.send({
      type: 'error',
      code: error.code,
      message: error.message,
      ...(frameId ? { id: frameId } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'message':
        return this.onMessage(frame.id, frame.content, frame.conversationId);
      case 'ping':
        return this.send({ type: 'pong' });
      case 'refresh':
        return this.onRefresh(frame.token, frame.id);
      case 'history':
        return this.onHistory(frame.before, frame.limit, frame.id);
      case 'resume':
        return this.onResume(frame.conversationId, frame.id);
      case 'authenticate':
        return this.onAuthenticate(frame);
      case 'logout':
        await this.deps.services.sessions.revoke(this.sessionId, 'logout');
        this.close(CLOSE.NORMAL, 'LOGGED_OUT');
        return;
    }
  }

  private async onMessage(clientId: string, content: string, conversationId?: string): Promise<void> {
    const { services } = this.deps;
    const session = this.auth.session;
    const tenant = await services.tenants.get(session.tenantId);
    const decision = await services.rateLimits.consume('messages', session.id, tenant.settings.limits.messagesPerMinute, 60);
    if (!decision.allowed) {
      services.metrics.rateLimitedMessages.inc();
      throw new TesseraError('RATE_LIMITED', 'too many messages; slow down', { retryAfterMs: decision.retryAfterMs });
    }
    const conversation = await this.conversation(conversationId);
    const now = services.clock.now();
    const stored = await services.messageWriter.write({
      id: newTimeOrderedId('msg', now),
      tenantId: session.tenantId,
      conversationId: conversation.id,
      sessionId: session.id,
      role: 'user',
      content,
      clientId,
      replyTo: null,
      createdAt: now,
    });
    this.send({ type: 'ack', id: clientId, messageId: stored.messageId, conversationId: conversation.id, ...(stored.duplicate ? { duplicate: true } : {}) });
    if (stored.duplicate) return;
    services.metrics.messages.inc();
    void services.sessions.touch(session).then((touched) => {
      if (touched.ver === this.auth.session.ver) this.auth = { ...this.auth, session: touched };
    }, () => undefined);

    const reply = await services.agent.reply({
      message: { id: stored.messageId, content },
      conversation: {
        id: conversation.id,
        history: async () => (await services.conversations.messages(session, conversation.id, { limit: 200 })).map(describeMessage),
      },
      identity: {
        tenantId: session.tenantId,
        sessionId: session.id,
        anonymousId: session.anonymousId,
        userId: this.user?.externalId ?? null,
        name: this.user?.name ?? null,
        custom: this.user?.custom ?? {},
      },
    });
    const answer = await services.messageWriter.write({
      id: newTimeOrderedId('msg', services.clock.now()),
      tenantId: session.tenantId,
      conversationId: conversation.id,
      sessionId: session.id,
      role: 'assistant',
      content: reply,
      clientId: null,
      replyTo: stored.messageId,
      createdAt: services.clock.now(),
    });
    this.send({ type: 'message', id: answer.messageId, role: 'assistant', content: reply, replyTo: stored.messageId, conversationId: conversation.id });
  }

  /**
   * The conversation a message goes to: the one it names (only the caller's own, so a
   * `resume` survives reconnects), else this socket's active one.
   */
  private async conversation(named?: string): Promise<Conversation> {
    if (named !== undefined && (await this.activeConversation)?.id !== named) {
      const owned = await this.deps.services.conversations.owned(this.auth.session, named);
      this.activeConversation = Promise.resolve(owned);
      return owned;
    }
    this.activeConversation ??= this.deps.services.conversations.activeFor(this.auth.session).catch((error: unknown) => {
      this.activeConversation = null;
      throw error;
    });
    return this.activeConversation;
  }

  /** Adopts a newer access token of the same session without reconnecting. */
  private async onRefresh(token: string, requestId?: string): Promise<void> {
    const auth = await this.deps.services.sessions.verify(token, this.auth.session.tenantId).catch((error: unknown) => {
      throw isTesseraError(error) ? new TesseraError('INVALID_TOKEN', error.message) : error;
    });
    if (auth.session.id !== this.sessionId) throw new TesseraError('FORBIDDEN', 'token belongs to another session');
    this.auth = auth;
    this.scheduleExpiry();
    this.send({ type: 'refreshed', expiresAt: auth.claims.exp * 1000, ...withId(requestId) });
  }

  private async onHistory(before: string | undefined, limit: number | undefined, requestId?: string): Promise<void> {
    const { conversations } = this.deps.services;
    // Asking for history starts no conversation: an empty one would show up in every list.
    const conversation = this.activeConversation ? await this.conversation() : await conversations.latestOf(this.auth.session);
    const messages = conversation ? await conversations.messages(this.auth.session, conversation.id, { before, limit }) : [];
    this.send({ type: 'history', messages: messages.map(describeMessage), ...withId(requestId) });
  }

  /** Switches this socket to another conversation of the same user: the only way histories meet. */
  private async onResume(conversationId: string, requestId?: string): Promise<void> {
    const { conversations } = this.deps.services;
    const summary = await conversations.owned(this.auth.session, conversationId);
    this.activeConversation = Promise.resolve(summary);
    const messages = await conversations.messages(this.auth.session, conversationId, { limit: 200 });
    this.send({ type: 'resumed', conversation: describeConversation(summary), messages: messages.map(describeMessage), ...withId(requestId) });
  }

  private async onAuthenticate(frame: Extract<ClientFrame, { type: 'authenticate' }>): Promise<void> {
    const { signIn } = this.deps;
    if (!signIn) throw new TesseraError('FORBIDDEN', 'sign-in is not enabled');
    let result: Awaited<ReturnType<InBandSignIn['authenticate']>>;
    try {
      result = await signIn.authenticate(this.auth.session, frame, { socketId: this.socketId, ip: this.ip });
    } catch (error) {
      // A failed sign-in is an answer, not a reason to drop the anonymous socket.
      if (!isTesseraError(error)) throw error;
      this.send({ type: 'error', code: error.code, message: error.message, ...withId(frame.id), ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
      return;
    }
    // This socket stays open and is now the user's.
    this.auth = await this.deps.services.sessions.verify(result.accessToken, this.auth.session.tenantId);
    this.user = await this.deps.services.sessions.userOf(this.auth.session);
    this.activeConversation = null;
    this.scheduleExpiry();
    this.send({ ...result, ...withId(frame.id) });
  }
}

/** Echoes a request's id in its reply, when the client gave one. */
function withId(requestId: string | undefined): { id?: string } {
  return requestId === undefined ? {} : { id: requestId };
}
