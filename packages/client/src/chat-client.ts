import type {
  ClientFrame,
  ConversationInfo,
  MessageInfo,
  ServerFrame,
  SessionInfo,
  TokenPair,
  UserInfo,
} from '@tessera/protocol';
import { BEARER_PROTOCOL_PREFIX, isErrorCode, MAX_FRAME_BYTES, SUBPROTOCOL } from '@tessera/protocol';
import { backoffDelayMs } from './backoff.js';
import { closeAction } from './close-policy.js';
import { sleep, systemClock } from './clock.js';
import { createConnectionState, type ConnectionState, type StateChange } from './connection.js';
import { currentUserFromClaims, type CurrentUser } from './current-user.js';
import { createEmitter } from './emitter.js';
import { isTerminalAuthError, TesseraError } from './errors.js';
import { requestJson, type FetchLike } from './http.js';
import { createOutbox, type Ack, type MessageFrame } from './outbox.js';
import { createPendingRequests } from './pending-requests.js';
import { randomId } from './random-id.js';
import { openSocket, type SocketHandle, type WebSocketConstructor } from './socket.js';
import { createTokenManager, sessionKeyOf, type TokenManager, type TokenManagerOptions } from './token-manager.js';

export interface ChatClientOptions extends Omit<TokenManagerOptions, 'baseUrl'> {
  /** Tessera's base URL, `https://chat.example.com` (the socket URL is derived: `wss://.../v1/ws`). */
  url: string;
  /** Override the socket base URL when it differs from `url`. */
  wsUrl?: string;
  /** Defaults to the global WebSocket; in Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect delays: full jitter between 0 and min(max, min * 2^attempt). Defaults 500 ms and 20 s. */
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** A ping when the socket has been quiet this long. Default 25 s. */
  pingIntervalMs?: number;
  /** A socket that does not answer (or open) within this is replaced. Default 10 s. */
  socketTimeoutMs?: number;
}

export type AssistantMessage = Extract<ServerFrame, { type: 'message' }>;

export interface AuthenticatedEvent {
  user: UserInfo;
  session?: SessionInfo;
  previousConversations: ConversationInfo[];
}

export interface ChatClientEvents {
  state: StateChange;
  /** A message from the assistant. */
  message: AssistantMessage;
  /** The server's greeting: a new anonymous session (`isNew`), or the session the socket joined. */
  session: { session: SessionInfo; isNew: boolean };
  authenticated: AuthenticatedEvent;
  error: TesseraError;
}

export interface ChatClient {
  readonly state: ConnectionState;
  /** The token manager, e.g. for your own HTTP calls to Tessera. */
  readonly tokens: TokenManager;
  /** Connects, and keeps connecting until `disconnect()`, `logout()` or a dead session. Resolves once connected. */
  connect(): Promise<void>;
  /** Closes the socket; queued messages wait for the next `connect()`. */
  disconnect(): void;
  /** Sends a message (queued while offline); resolves with the server's ack. */
  send(content: string, options?: { conversationId?: string }): Promise<Ack>;
  /** Signs in with email and password; the session and its history become the user's. */
  authenticate(credentials: { email: string; password: string }): Promise<AuthenticatedEvent>;
  /** Signs in with an identity token minted by your main app. */
  linkFromMainApp(identityToken: string): Promise<AuthenticatedEvent>;
  resume(conversationId: string): Promise<{ conversation: ConversationInfo; messages: MessageInfo[] }>;
  /** Messages of the current conversation, newest last; `before` is a message id to page back from. */
  history(options?: { before?: string; limit?: number }): Promise<MessageInfo[]>;
  /** Revokes the session on the server, clears stored tokens and closes. */
  logout(): Promise<void>;
  getCurrentUser(): CurrentUser | null;
  on<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): () => void;
  off<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): void;
}

/** Connections that lived this long reset the reconnect backoff. */
const STABLE_CONNECTION_MS = 10_000;

export function createChatClient(options: ChatClientOptions): ChatClient {
  const httpBase = options.url.replace(/\/+$/, '').replace(/^ws/, 'http');
  const wsBase = (options.wsUrl ?? httpBase).replace(/\/+$/, '').replace(/^http/, 'ws');
  const clock = options.clock ?? systemClock;
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
  const reconnectBackoff = {
    minDelayMs: options.minReconnectDelayMs ?? 500,
    maxDelayMs: options.maxReconnectDelayMs ?? 20_000,
    random: options.random,
  };
  const WebSocketImpl: WebSocketConstructor | undefined =
    options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
  if (!WebSocketImpl) throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. from "ws")');
  const events = createEmitter<ChatClientEvents>();
  /** Errors already emitted (by the token manager), so that ending on one does not report it twice. */
  const reported = new WeakSet<TesseraError>();
  const connection = createConnectionState((change) => events.emit('state', change));
  const tokens = createTokenManager({
    ...options,
    baseUrl: httpBase,
    onRefreshError: (error) => {
      reported.add(error);
      options.onRefreshError?.(error);
      events.emit('error', error);
    },
  });
  const cookieMode = options.storage?.cookieMode === true;
  const outbox = createOutbox();
  const requests = createPendingRequests(clock, requestTimeoutMs);

  let socket: SocketHandle | null = null;
  /** The access token last handed to the open socket, and the last one the server confirmed. */
  let socketToken: string | null = null;
  let acceptedToken: string | null = null;
  let attempt = 0;
  let connectedAtMs = 0;
  /** Bumped whenever a pending connect step must be abandoned. */
  let generation = 0;
  let wakeReconnect: (() => void) | null = null;
  /** Set by close codes: refresh before the next connect (4001), or get a token newer than this one (4002). */
  let refreshFirst = false;
  let needNewerThan: string | null = null;
  /** While logging out, the server closing the socket is expected, not an error. */
  let loggingOut = false;
  let waiters: Array<{ resolve(): void; reject(error: TesseraError): void }> = [];
  let unwatch: Array<() => void> = [];

  const settleWaiters = (error?: TesseraError) => {
    const pending = waiters;
    waiters = [];
    for (const waiter of pending) error ? waiter.reject(error) : waiter.resolve();
  };

  async function attemptConnect(): Promise<void> {
    const current = ++generation;
    let token: string | null;
    try {
      const held = tokens.current()?.accessToken;
      if (refreshFirst || (needNewerThan !== null && held === needNewerThan)) await tokens.refresh();
      refreshFirst = false;
      needNewerThan = null;
      token = await tokens.getAccessToken({ createSession: cookieMode });
    } catch (error) {
      if (current !== generation) return;
      if (isTerminalAuthError(error) || (error as TesseraError).code === 'NO_CREDENTIALS') {
        await end(error as TesseraError);
      } else scheduleReconnect();
      return;
    }
    if (current !== generation) return;
    if (!token && !options.publishableKey) {
      await end(new TesseraError('NO_CREDENTIALS', 'no tokens, tokenProvider or publishableKey to connect with'));
      return;
    }
    socketToken = acceptedToken = token;
    const handle: SocketHandle = openSocket({
      WebSocket: WebSocketImpl!,
      url: `${wsBase}/v1/ws${token ? '' : `?key=${encodeURIComponent(options.publishableKey!)}`}`,
      protocols: token ? [SUBPROTOCOL, BEARER_PROTOCOL_PREFIX + token] : [SUBPROTOCOL],
      clock,
      pingIntervalMs: options.pingIntervalMs ?? 25_000,
      responseTimeoutMs: options.socketTimeoutMs ?? 10_000,
      onFrame: (frame) => onFrame(frame, handle),
      onClose: socketClosed,
    });
    socket = handle;
  }

  function scheduleReconnect(): void {
    connection.transition('reconnecting');
    const current = generation;
    const pause = sleep(clock, backoffDelayMs(attempt++, reconnectBackoff));
    wakeReconnect = pause.wake;
    void pause.done.then(() => {
      wakeReconnect = null;
      if (current === generation && connection.state === 'reconnecting') void attemptConnect();
    });
  }

  function sendNow(frame: ClientFrame): void {
    socket?.send(frame);
  }

  function greeted(from: SocketHandle): void {
    if (connection.state === 'connected' || from !== socket) return;
    connection.transition('connected');
    connectedAtMs = clock.now();
    for (const frame of outbox.frames()) sendNow(frame);
    for (const frame of requests.takeUnsent()) sendNow(frame);
    settleWaiters();
    handOver(tokens.current()); // tokens renewed while we were connecting
  }

  /** A renewed access token goes to the open socket; a token of another session needs a new socket. */
  function handOver(pair: TokenPair | null): void {
    if (!pair || !socket || connection.state !== 'connected' || pair.accessToken === socketToken) return;
    if (socketToken && sessionKeyOf(pair) !== sessionKeyOf({ accessToken: socketToken, expiresAt: 0 })) {
      dropSocket();
      void attemptConnect();
      return;
    }
    socketToken = pair.accessToken;
    const { reply, markSent } = requests.add({ type: 'refresh', token: pair.accessToken }, 'refreshed', false);
    sendNow({ type: 'refresh', token: pair.accessToken });
    markSent();
    reply.then(
      () => {
        acceptedToken = pair.accessToken;
      },
      (error: TesseraError) => {
        // The server would not take it: start over on a new socket with the current token.
        if (error.code !== 'NETWORK_ERROR' && error.code !== 'CLIENT_CLOSED' && socket) {
          dropSocket();
          void attemptConnect();
        }
      },
    );
  }

  function dropSocket(): void {
    socket?.close(1000, 'replaced');
    socket = null;
    requests.socketLost(new TesseraError('NETWORK_ERROR', 'connection replaced'));
    if (connection.state === 'connected') connection.transition('reconnecting');
  }

  function onFrame(frame: ServerFrame, from: SocketHandle): void {
    switch (frame.type) {
      case 'session':
        // A new anonymous session: connected once its tokens are stored (other tabs may look for them).
        socketToken = acceptedToken = frame.accessToken;
        void tokens
          .setTokens({ accessToken: frame.accessToken, refreshToken: frame.refreshToken, expiresAt: frame.expiresAt }, 'server')
          .then(() => greeted(from));
        events.emit('session', { session: frame.session, isNew: true });
        return;
      case 'ready':
        events.emit('session', { session: frame.session, isNew: false });
        break;
      case 'ack':
        outbox.ack(frame);
        break;
      case 'message':
        events.emit('message', frame);
        break;
      case 'authenticated': {
        socketToken = acceptedToken = frame.accessToken;
        void tokens.setTokens(
          { accessToken: frame.accessToken, refreshToken: frame.refreshToken, expiresAt: frame.expiresAt },
          'server',
        );
        requests.resolve(frame);
        const { user, session, previousConversations } = frame;
        events.emit('authenticated', { user, session, previousConversations });
        break;
      }
      case 'error': {
        const error = new TesseraError(frame.code, frame.message, { retryAfterMs: frame.retryAfterMs });
        const claimed = frame.id ? requests.reject(frame.id, error) || outbox.fail(frame.id, error) : requests.rejectOldest(error);
        if (!claimed) events.emit('error', error);
        break;
      }
      default:
        requests.resolve(frame);
    }
    greeted(from); // `ready` (or `session`) comes first; any frame proves the socket is ours
  }

  function socketClosed(code: number, reason: string): void {
    socket = null;
    if (loggingOut) return;
    requests.socketLost(new TesseraError('NETWORK_ERROR', `connection closed (${code})`));
    if (connection.state === 'connected' && clock.now() - connectedAtMs >= STABLE_CONNECTION_MS) attempt = 0;
    switch (closeAction(code)) {
      case 'closed':
        void end(null, reason || 'closed by server', true);
        return;
      case 'stop':
        void end(
          new TesseraError(isErrorCode(reason) ? reason : 'UNAUTHENTICATED', `connection refused: ${reason || code}`),
          undefined,
          true,
        );
        return;
      case 'refresh':
        refreshFirst = true;
        break;
      case 'newer-token':
        needNewerThan = acceptedToken;
        break;
    }
    scheduleReconnect();
  }

  /** Ends the connection for good (until the next `connect()`), optionally dropping the tokens. */
  async function end(error: TesseraError | null, reason?: string, clearTokens = false): Promise<void> {
    generation++;
    wakeReconnect?.();
    socket?.close(1000, 'closed');
    socket = null;
    if (clearTokens) await tokens.clear();
    stopWatching();
    tokens.stop();
    const failure = error ?? new TesseraError('CLIENT_CLOSED', reason ?? 'closed');
    outbox.rejectAll(failure);
    requests.rejectAll(failure);
    settleWaiters(failure);
    if (connection.state !== 'closed') connection.transition('closed', error?.code ?? reason);
    if (error && !reported.has(error)) events.emit('error', error);
  }

  function watchEnvironment(): void {
    if (unwatch.length) return;
    unwatch.push(tokens.onChange(handOver));
    if (options.watchEnvironment === false) return;
    const target = globalThis as unknown as Partial<EventTarget>;
    const doc = (globalThis as { document?: Document }).document;
    const check = () => {
      if (doc?.visibilityState === 'hidden') return;
      if (connection.state === 'reconnecting') wakeReconnect?.();
      else socket?.ping();
    };
    doc?.addEventListener('visibilitychange', check);
    target.addEventListener?.('online', check);
    unwatch.push(
      () => doc?.removeEventListener('visibilitychange', check),
      () => target.removeEventListener?.('online', check),
    );
  }

  function stopWatching(): void {
    for (const undo of unwatch) undo();
    unwatch = [];
  }

  function request<T extends 'resumed' | 'history' | 'authenticated'>(frame: ClientFrame, expect: T, resendable: boolean) {
    if (connection.state === 'closed') {
      return Promise.reject(new TesseraError('CLIENT_CLOSED', 'the client is closed; call connect()'));
    }
    const { frame: withId, reply, markSent } = requests.add(frame, expect, resendable);
    if (connection.state === 'connected') {
      sendNow(withId);
      markSent();
    }
    return reply;
  }

  async function signIn(
    frame: Extract<ClientFrame, { type: 'authenticate' }>,
    body: Record<string, string>,
  ): Promise<AuthenticatedEvent> {
    await tokens.settled(); // never race a refresh of the tokens the sign-in replaces
    // In-band keeps this socket (it becomes the user's). Cookie mode needs HTTP: only a response can set the new cookie.
    if (connection.state === 'connected' && !cookieMode) {
      const { user, session, previousConversations } = await request(frame, 'authenticated', false);
      return { user, session, previousConversations };
    }
    const accessToken = await tokens.getAccessToken();
    if (!accessToken) throw new TesseraError('NO_CREDENTIALS', 'no session to sign in');
    const { body: result } = await requestJson<
      TokenPair & { user: UserInfo; session?: SessionInfo; previousConversations?: ConversationInfo[] }
    >(
      fetchFn,
      clock,
      `${httpBase}/v1/auth/link`,
      {
        // In cookie mode the new refresh token must come back as the httpOnly cookie, never in the body.
        body: cookieMode ? { ...body, tokenTransport: 'cookie' } : body,
        headers: { authorization: `Bearer ${accessToken}` },
        credentials: cookieMode ? 'include' : undefined,
      },
      requestTimeoutMs,
    );
    await tokens.setTokens(
      { accessToken: result.accessToken, refreshToken: result.refreshToken, expiresAt: result.expiresAt },
      'server',
    );
    const event: AuthenticatedEvent = {
      user: result.user,
      session: result.session,
      previousConversations: result.previousConversations ?? [],
    };
    events.emit('authenticated', event);
    return event;
  }

  const client: ChatClient = {
    get state() {
      return connection.state;
    },
    tokens,

    connect() {
      if (connection.state === 'connected') return Promise.resolve();
      const connected = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      if (connection.state === 'disconnected' || connection.state === 'closed') {
        attempt = 0;
        connection.transition('connecting');
        watchEnvironment();
        void attemptConnect();
      }
      return connected;
    },

    disconnect() {
      generation++;
      wakeReconnect?.();
      socket?.close(1000, 'disconnect');
      socket = null;
      stopWatching();
      tokens.stop();
      const error = new TesseraError('CLIENT_CLOSED', 'disconnected');
      requests.rejectAll(error);
      settleWaiters(error);
      if (connection.state !== 'closed') connection.transition('disconnected', 'disconnect');
    },

    send(content, { conversationId } = {}) {
      if (connection.state === 'closed') {
        return Promise.reject(new TesseraError('CLIENT_CLOSED', 'the client is closed; call connect()'));
      }
      const frame: MessageFrame = { type: 'message', id: randomId(), content, ...(conversationId && { conversationId }) };
      if (new TextEncoder().encode(JSON.stringify(frame)).length > MAX_FRAME_BYTES) {
        return Promise.reject(new TesseraError('PAYLOAD_TOO_LARGE', 'message too large'));
      }
      const acked = outbox.add(frame);
      if (connection.state === 'connected') sendNow(frame);
      return acked;
    },

    authenticate({ email, password }) {
      return signIn({ type: 'authenticate', method: 'password', email, password }, { method: 'password', email, password });
    },

    linkFromMainApp(identityToken) {
      return signIn({ type: 'authenticate', method: 'jwt', token: identityToken }, { method: 'jwt', token: identityToken });
    },

    async resume(conversationId) {
      const { conversation, messages } = await request({ type: 'resume', conversationId }, 'resumed', true);
      return { conversation, messages };
    },

    async history({ before, limit } = {}) {
      const frame: ClientFrame = { type: 'history', ...(before !== undefined && { before }), ...(limit !== undefined && { limit }) };
      return (await request(frame, 'history', true)).messages;
    },

    async logout() {
      loggingOut = true;
      try {
        await tokens.start();
        // A fresh access token if we can get one (the server takes the refresh token too).
        const accessToken =
          tokens.current() || cookieMode
            ? await tokens.getAccessToken({ createSession: false }).catch(() => tokens.current()?.accessToken)
            : undefined;
        const refreshToken = tokens.current()?.refreshToken;
        if (accessToken || refreshToken || cookieMode) {
          await requestJson(
            fetchFn,
            clock,
            `${httpBase}/v1/auth/logout`,
            {
              body: refreshToken ? { refreshToken } : {},
              headers: {
                ...(accessToken && { authorization: `Bearer ${accessToken}` }),
                ...(cookieMode && { 'x-tessera-csrf': '1' }),
              },
              credentials: cookieMode ? 'include' : undefined,
            },
            requestTimeoutMs,
          ).catch((error: unknown) => {
            // A 401 means the session was already gone: that is what we wanted.
            if (!(error instanceof TesseraError && error.status === 401)) throw error;
          });
        }
      } finally {
        // Signed out here whatever the server said: a failed request is still thrown to the caller.
        await tokens.clear();
        await end(null, 'logout');
        loggingOut = false;
      }
    },

    getCurrentUser: () => currentUserFromClaims(tokens.claims()),
    on: events.on,
    off: events.off,
  };
  return client;
}
