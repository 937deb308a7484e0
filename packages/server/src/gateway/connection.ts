import type { ClientFrame, CloseReason, ServerFrame } from '@tessera/protocol';
import { closeCodeOf } from '@tessera/protocol';
import { ConversationChoice } from '../chat/index.js';
import { isTesseraError, TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Services } from '../services.js';
import type { SignInResult } from '../sign-in/index.js';
import type { AuthContext } from '../sessions/index.js';
import { describeConversation, describeMessage } from '../sessions/index.js';
import type { User } from '../store/index.js';
import { describeUser } from '../tenancy/index.js';
import { parseClientFrame } from './client-frames.js';
import type { ExpiryTimers } from './expiry-timers.js';
import type { GatewaySocket, SocketOwner } from './gateway-socket.js';
import type { ClosableSocket } from './socket-registry.js';

/** What every connection of a gateway shares (one object per gateway, not per socket). */
export interface ConnectionDeps {
  services: Services;
  expiry: ExpiryTimers<Connection>;
  /** The connection is closing: it leaves the registry. */
  onClose(connection: Connection): void;
  /** Its socket has closed: the slot of its client address is free again. */
  onClosed(connection: Connection): void;
}

/** The socket under the WebSocket, corked while a turn sends frames so they leave in one write. */
export interface Transport {
  readonly writableCorked: number;
  cork(): void;
  uncork(): void;
}

/** Unique across nodes (random per process) without drawing randomness for every socket. */
const SOCKET_ID_PREFIX = newId('aud');
let socketCount = 0;

/** One authenticated socket: its session, active conversation, and every frame it exchanges. */
export class Connection implements ClosableSocket, SocketOwner {
  /** A number until the id is asked for (rarely: a sign-in, a session change), then spelled once. */
  private readonly serial = ++socketCount;
  private auth: AuthContext;
  private user: User | null;
  private choice: ConversationChoice | null = null;
  private closing = false;
  /** The expiry timers' handle for this socket's token. */
  private expiry: number;

  constructor(
    private readonly socket: GatewaySocket,
    auth: AuthContext,
    user: User | null,
    readonly ip: string,
    private readonly transport: Transport | null,
    private readonly deps: ConnectionDeps,
  ) {
    this.auth = auth;
    this.user = user;
    socket.ownedBy(this);
    this.expiry = deps.expiry.schedule(this, auth.claims.exp);
  }

  get socketId(): string {
    return `${SOCKET_ID_PREFIX}.${this.serial.toString(36)}`;
  }

  get sessionId(): string {
    return this.auth.session.id;
  }

  /** The auth version this socket is signed in at. */
  get sessionVer(): number {
    return this.auth.claims.ver;
  }

  send(frame: ServerFrame): void {
    if (this.closing || this.socket.readyState !== this.socket.OPEN) return;
    // Acks and replies of a whole committed batch, and whatever else this turn of the loop sends: one
    // write. Already corked (by an earlier frame of this turn, or by the upgrade writing its 101): joins it.
    const { transport } = this;
    if (transport && transport.writableCorked === 0) {
      transport.cork();
      // Until the end of this turn of the event loop: frames sent from its other callbacks (a
      // streamed reply's next delta, its final message, another turn's ack) join the same write.
      setImmediate(uncork, transport);
    }
    this.socket.send(JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.socket.close(code, reason);
    this.dispose();
  }

  /** Closes with the code the contract gives `reason`. */
  end(reason: CloseReason): void {
    this.close(closeCodeOf(reason), reason);
  }

  /** A socket whose access token expires without a `refresh` frame is closed with 4001. */
  expire(): void {
    this.end('TOKEN_EXPIRED');
  }

  dispose(): void {
    if (this.closing) return;
    this.closing = true;
    this.deps.expiry.cancel(this, this.expiry);
    this.deps.onClose(this);
  }

  closed(): void {
    this.deps.onClosed(this);
  }

  /** The heartbeat: pings, or ends a socket that did not answer the last ping. */
  beat(): void {
    this.socket.beat();
  }

  /** Adopts a newer verified context, and the expiry of its token. */
  private adopt(auth: AuthContext): void {
    const { expiry } = this.deps;
    expiry.cancel(this, this.expiry);
    this.auth = auth;
    if (!this.closing) this.expiry = expiry.schedule(this, auth.claims.exp);
  }

  /** Which conversation this socket is in: made on the first frame that asks (most sockets idle). */
  private get conversation(): ConversationChoice {
    this.choice ??= new ConversationChoice(this.deps.services.conversations);
    return this.choice;
  }

  receive(data: Buffer, isBinary: boolean): void {
    this.onFrame(data, isBinary);
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.end('UNSUPPORTED_DATA');
      return;
    }
    const parsed = parseClientFrame(data.toString('utf8'));
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
    if (error.closeCode !== null) {
      this.end(error.code);
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
      case 'stop':
        return this.deps.services.chat.stop(this.auth.session, frame.id);
      case 'logout':
        await this.deps.services.sessions.revoke(this.sessionId, 'logout');
        this.end('LOGGED_OUT');
        return;
    }
  }

  private async onMessage(clientId: string, content: string, conversationId?: string): Promise<void> {
    const { session } = this.auth;
    await this.deps.services.chat.take(
      { session, user: this.user, clientIp: this.ip },
      { clientId, content },
      () => this.conversation.forMessage(session, conversationId),
      {
        acknowledged: (ack) =>
          this.send({
            type: 'ack',
            id: ack.clientId,
            messageId: ack.messageId,
            conversationId: ack.conversationId,
            ...(ack.duplicate ? { duplicate: true } : {}),
          }),
        touched: (touched) => {
          if (touched.ver === this.auth.session.ver) this.auth = { ...this.auth, session: touched };
        },
      },
    );
  }

  /** Adopts a newer access token of the same session without reconnecting. */
  private async onRefresh(token: string, requestId?: string): Promise<void> {
    const auth = await this.deps.services.sessions.verify(token, this.auth.session.tenantId).catch((error: unknown) => {
      throw isTesseraError(error) ? new TesseraError('INVALID_TOKEN', error.message) : error;
    });
    if (auth.session.id !== this.sessionId) throw new TesseraError('FORBIDDEN', 'token belongs to another session');
    this.adopt(auth);
    this.send({ type: 'refreshed', expiresAt: auth.claims.exp * 1000, ...withId(requestId) });
  }

  private async onHistory(before: string | undefined, limit: number | undefined, requestId?: string): Promise<void> {
    const { conversations } = this.deps.services;
    const conversation = await this.conversation.forHistory(this.auth.session);
    const messages = conversation ? await conversations.messages(this.auth.session, conversation.id, { before, limit }) : [];
    this.send({ type: 'history', messages: messages.map(describeMessage), ...withId(requestId) });
  }

  /** Switches this socket to another conversation of the same user: the only way histories meet. */
  private async onResume(conversationId: string, requestId?: string): Promise<void> {
    const { conversations } = this.deps.services;
    const summary = await this.conversation.switchTo(this.auth.session, conversationId);
    const messages = await conversations.messages(this.auth.session, conversationId, { limit: 200 });
    this.send({
      type: 'resumed',
      conversation: describeConversation(summary),
      messages: messages.map(describeMessage),
      ...withId(requestId),
    });
  }

  private async onAuthenticate(frame: Extract<ClientFrame, { type: 'authenticate' }>): Promise<void> {
    const { services } = this.deps;
    let result: SignInResult;
    try {
      result = await services.signIn.signIn(this.auth.session, frame, { socketId: this.socketId, ip: this.ip });
    } catch (error) {
      // A failed sign-in is an answer, not a reason to drop the anonymous socket.
      if (!isTesseraError(error)) throw error;
      this.send({
        type: 'error',
        code: error.code,
        message: error.message,
        ...withId(frame.id),
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      });
      return;
    }
    // This socket stays open and is now the user's.
    this.adopt(await services.sessions.verify(result.accessToken, this.auth.session.tenantId));
    this.user = result.user;
    this.choice?.reset();
    this.send({
      type: 'authenticated',
      accessToken: result.accessToken,
      refreshToken: result.refreshToken,
      expiresAt: result.expiresAt,
      user: describeUser(result.user),
      session: services.sessions.describe(result.session, result.user),
      previousConversations: result.previousConversations.map(describeConversation),
      ...withId(frame.id),
    });
  }
}

/** Echoes a request's id in its reply, when the client gave one. */
function withId(requestId: string | undefined): { id?: string } {
  return requestId === undefined ? {} : { id: requestId };
}

function uncork(transport: Transport): void {
  transport.uncork();
}
