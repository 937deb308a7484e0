import type { ClientFrame, ConversationInfo, MessageInfo, SignInFlowStart, SignInFlowState, SignInProviderInfo } from '@tessera/protocol';
import { MAX_FRAME_BYTES } from '@tessera/protocol';
import { createApi, type SignInFlowRequest } from './api.js';
import type { AuthenticatedEvent, ChatClientEvents } from './chat-events.js';
import { systemClock } from './clock.js';
import { createConnectionState, type ConnectionState } from './connection.js';
import { currentUserFromClaims, type CurrentUser } from './current-user.js';
import { createEmailSignInMethods, type EmailSignInMethods } from './email-sign-in.js';
import { createEmailSignInApi } from './email-sign-in-api.js';
import { createEmitter } from './emitter.js';
import { TesseraError } from './errors.js';
import { createFrameRouter } from './frame-router.js';
import { createOutbox, type Ack, type MessageFrame } from './outbox.js';
import { createPasskeyMethods, type PasskeyMethods } from './passkeys.js';
import { createPasskeysApi } from './passkeys-api.js';
import { createPendingRequests } from './pending-requests.js';
import { randomId } from './random-id.js';
import { createReplyStreams } from './reply-streams.js';
import { createSignInFlows, type SignInFlowCredentials } from './sign-in-flows.js';
import { createSocketLifecycle } from './socket-lifecycle.js';
import type { WebSocketConstructor } from './socket.js';
import { createTokenManagerWith, type TokenManager, type TokenManagerOptions } from './token-manager.js';

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

/** Passkeys: `PasskeyMethods` (passkeys.ts); email codes and magic links: `EmailSignInMethods` (email-sign-in.ts). */
export interface ChatClient extends PasskeyMethods, EmailSignInMethods {
  readonly state: ConnectionState;
  /** The token manager, e.g. for your own HTTP calls to Tessera. */
  readonly tokens: TokenManager;
  /** Connects, and keeps connecting until `disconnect()`, `logout()` or a dead session. Resolves once connected. */
  connect(): Promise<void>;
  /** Closes the socket; queued messages wait for the next `connect()`. */
  disconnect(): void;
  /**
   * The app is back (a React Native app in the foreground, a page made visible): reconnects at once
   * instead of waiting out the reconnect delay, or checks the open socket. Browsers call it by
   * themselves (`watchEnvironment`).
   */
  wake(): void;
  /** Sends a message (queued while offline); resolves with the server's ack. */
  send(content: string, options?: { conversationId?: string }): Promise<Ack>;
  /**
   * Asks the agent to stop its reply to `messageId` (the ack's `messageId`): the reply ends
   * with what it said so far, as a `message` with `stopped: true`. False when offline (nothing sent).
   */
  stop(messageId: string): boolean;
  /** The replies streaming now, oldest first, with their text so far (for a view that mounts mid-reply). */
  streamingReplies(): { replyTo: string; text: string }[];
  /** Signs in with email and password; the session and its history become the user's. */
  authenticate(credentials: { email: string; password: string }): Promise<AuthenticatedEvent>;
  /** Signs in with an identity token minted by your main app. */
  linkFromMainApp(identityToken: string): Promise<AuthenticatedEvent>;
  /** The tenant's sign-in providers, for "Continue with {name}" buttons. */
  signInProviders(): Promise<SignInProviderInfo[]>;
  /**
   * Starts a sign-in that finishes elsewhere: for `oauth`, open its `url` (a popup, or a redirect
   * with `returnTo`, a URL of this page's origin). Keep `flowSecret`: only this chat can redeem it.
   */
  startSignInFlow(request: SignInFlowRequest): Promise<SignInFlowStart>;
  /** Where a flow of this session stands: `pending`, `completed` (redeem it), `failed` or `expired`. */
  signInFlowState(flowId: string): Promise<SignInFlowState>;
  /**
   * Redeems a completed flow (after `flow_completed`): in-band on the open socket, which stays
   * open as the user's, else over HTTP. Once per flow: a second call shares the first's result.
   */
  redeemSignInFlow(flow: SignInFlowCredentials): Promise<AuthenticatedEvent>;
  resume(conversationId: string): Promise<{ conversation: ConversationInfo; messages: MessageInfo[] }>;
  /** Messages of the current conversation, newest last; `before` is a message id to page back from. */
  history(options?: { before?: string; limit?: number }): Promise<MessageInfo[]>;
  /** Revokes the session on the server, clears stored tokens and closes. */
  logout(): Promise<void>;
  getCurrentUser(): CurrentUser | null;
  on<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): () => void;
  off<K extends keyof ChatClientEvents>(event: K, listener: (payload: ChatClientEvents[K]) => void): void;
}

/** The token manager's own default: refreshes keep it inside a chat client too. */
const TOKEN_TIMEOUT_MS = 15_000;

export function createChatClient(options: ChatClientOptions): ChatClient {
  const httpBase = options.url.replace(/\/+$/, '').replace(/^ws/, 'http');
  const wsBase = (options.wsUrl ?? httpBase).replace(/\/+$/, '').replace(/^http/, 'ws');
  const clock = options.clock ?? systemClock;
  const requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
  const WebSocketImpl: WebSocketConstructor | undefined =
    options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
  if (!WebSocketImpl) throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. from "ws")');
  const events = createEmitter<ChatClientEvents>();
  /** Errors already emitted (by the token manager), so that ending on one does not report it twice. */
  const reported = new WeakSet<TesseraError>();
  const connection = createConnectionState((change) => events.emit('state', change));
  const api = createApi({
    baseUrl: httpBase,
    storage: options.storage,
    fetch: options.fetch,
    clock,
    tokenTimeoutMs: options.requestTimeoutMs ?? TOKEN_TIMEOUT_MS,
    requestTimeoutMs,
  });
  const tokens = createTokenManagerWith(
    {
      ...options,
      baseUrl: httpBase,
      onRefreshError: (error) => {
        reported.add(error);
        options.onRefreshError?.(error);
        events.emit('error', error);
      },
    },
    api,
  );
  const outbox = createOutbox();
  const streams = createReplyStreams();
  const requests = createPendingRequests(clock, requestTimeoutMs);
  const socket = createSocketLifecycle({
    WebSocket: WebSocketImpl,
    wsBase,
    publishableKey: options.publishableKey,
    clock,
    tokens,
    createSessionOverHttp: api.transport.issuesOverHttp,
    connection,
    outbox,
    requests,
    route: createFrameRouter({ tokens, outbox, requests, events, streams, tokenAccepted: (token) => socket.tokenAccepted(token) }),
    reconnect: {
      minDelayMs: options.minReconnectDelayMs ?? 500,
      maxDelayMs: options.maxReconnectDelayMs ?? 20_000,
      random: options.random,
    },
    pingIntervalMs: options.pingIntervalMs ?? 25_000,
    socketTimeoutMs: options.socketTimeoutMs ?? 10_000,
    watchEnvironment: options.watchEnvironment !== false,
    probeOrigin: (accessToken) => api.providers(accessToken ? { accessToken } : { publishableKey: options.publishableKey ?? '' }),
    report: (error) => {
      if (!reported.has(error)) events.emit('error', error);
    },
  });

  const closedError = () => new TesseraError('CLIENT_CLOSED', 'the client is closed; call connect()');

  function request<T extends 'resumed' | 'history' | 'authenticated'>(frame: ClientFrame, expect: T, resendable: boolean) {
    if (connection.state === 'closed') return Promise.reject(closedError());
    const { frame: withId, reply, markSent } = requests.add(frame, expect, resendable);
    if (connection.state === 'connected') {
      socket.send(withId);
      markSent();
    }
    return reply;
  }

  async function signIn(frame: Extract<ClientFrame, { type: 'authenticate' }>, body: Record<string, unknown>): Promise<AuthenticatedEvent> {
    await tokens.settled(); // never race a refresh of the tokens the sign-in replaces
    // In-band keeps this socket (it becomes the user's); a cookie can only be set by an HTTP response.
    if (connection.state === 'connected' && !api.transport.issuesOverHttp) {
      const { user, session, previousConversations } = await request(frame, 'authenticated', false);
      return { user, session, previousConversations };
    }
    const accessToken = await tokens.getAccessToken();
    if (!accessToken) throw new TesseraError('NO_CREDENTIALS', 'no session to sign in');
    const linked = await api.link(accessToken, body);
    await tokens.setTokens(linked.tokens, 'server');
    const event: AuthenticatedEvent = {
      user: linked.user,
      session: linked.session,
      previousConversations: linked.previousConversations,
    };
    events.emit('authenticated', event);
    return event;
  }

  const flows = createSignInFlows({ api, tokens, publishableKey: options.publishableKey, signIn });
  const emailSignIn = createEmailSignInMethods({
    api: createEmailSignInApi({ baseUrl: httpBase, fetch: options.fetch, clock, requestTimeoutMs }),
    tokens,
    publishableKey: options.publishableKey,
    startFlow: (request) => flows.start(request),
    signIn,
  });
  const passkeys = createPasskeyMethods({
    api: createPasskeysApi({ baseUrl: httpBase, fetch: options.fetch, clock, requestTimeoutMs }),
    tokens,
    signIn,
  });

  return {
    get state() {
      return connection.state;
    },
    tokens,
    connect: () => socket.connect(),
    disconnect: () => socket.disconnect(),
    wake: () => socket.wake(),

    send(content, { conversationId } = {}) {
      if (connection.state === 'closed') return Promise.reject(closedError());
      const frame: MessageFrame = { type: 'message', id: randomId(), content, ...(conversationId && { conversationId }) };
      if (new TextEncoder().encode(JSON.stringify(frame)).length > MAX_FRAME_BYTES) {
        return Promise.reject(new TesseraError('PAYLOAD_TOO_LARGE', 'message too large'));
      }
      const acked = outbox.add(frame);
      if (connection.state === 'connected') socket.send(frame);
      return acked;
    },

    stop(messageId) {
      if (connection.state !== 'connected') return false;
      socket.send({ type: 'stop', id: messageId });
      return true;
    },

    streamingReplies: () => streams.active(),

    authenticate({ email, password }) {
      return signIn({ type: 'authenticate', method: 'password', email, password }, { method: 'password', email, password });
    },

    linkFromMainApp(identityToken) {
      return signIn({ type: 'authenticate', method: 'jwt', token: identityToken }, { method: 'jwt', token: identityToken });
    },

    signInProviders: () => flows.providers(),
    startSignInFlow: (request) => flows.start(request),
    signInFlowState: (flowId) => flows.state(flowId),
    redeemSignInFlow: (flow) => flows.redeem(flow),
    ...passkeys,
    ...emailSignIn,

    async resume(conversationId) {
      const { conversation, messages } = await request({ type: 'resume', conversationId }, 'resumed', true);
      return { conversation, messages };
    },

    async history({ before, limit } = {}) {
      const frame: ClientFrame = { type: 'history', ...(before !== undefined && { before }), ...(limit !== undefined && { limit }) };
      return (await request(frame, 'history', true)).messages;
    },

    logout() {
      streams.clear();
      return socket.logout(async () => {
        await tokens.start();
        // A fresh access token if we can get one (the server takes the refresh token too).
        const accessToken = api.transport.hasCredentials(tokens.current() ?? {})
          ? await tokens.getAccessToken({ createSession: false }).catch(() => tokens.current()?.accessToken)
          : undefined;
        await api.logout({ accessToken, refreshToken: tokens.current()?.refreshToken });
      });
    },

    getCurrentUser: () => currentUserFromClaims(tokens.claims()),
    on: events.on,
    off: events.off,
  };
}
