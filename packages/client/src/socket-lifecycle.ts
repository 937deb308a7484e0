import type { ClientFrame, TokenPair } from '@tessera/protocol';
import { BEARER_PROTOCOL_PREFIX, CLOSE, isErrorCode, SUBPROTOCOL } from '@tessera/protocol';
import { backoffDelayMs } from './backoff.js';
import { closeAction } from './close-policy.js';
import { sleep } from './clock.js';
import { endsConnection, TesseraError } from './errors.js';
import { originRefusalOf } from './handshake-refusal.js';
import { isPageHidden, onPageWake } from './page-events.js';
import { CLIENT_CLOSE_REASONS, openSocket, type HandshakeFailure, type SocketHandle } from './socket.js';
import type { SocketLifecycleOptions } from './socket-lifecycle-options.js';
import { sessionKeyOf } from './token-state.js';

export type { SocketLifecycleOptions };

/** The socket's life: connect, greet, hand renewed tokens over, reconnect with backoff, close for good. */
export interface SocketLifecycle {
  /** Connects, and keeps connecting until `disconnect()`, a logout or a dead session. Resolves once connected. */
  connect(): Promise<void>;
  /** Closes the socket; queued messages wait for the next `connect()`. */
  disconnect(): void;
  /** Sends on the open socket, if any. */
  send(frame: ClientFrame): void;
  /** The server put this access token on the socket (a new session, a sign-in). */
  tokenAccepted(accessToken: string): void;
  /** Runs `revoke` while the server closing the socket is expected, then clears the tokens and closes. */
  logout(revoke: () => Promise<void>): Promise<void>;
  /** The page or app is back (visible, online, foreground): reconnects now if waiting to, else pings. */
  wake(): void;
}

/** How a connection stops: for good (`closed`), or until the next `connect()` (`disconnected`). */
interface Shutdown {
  to: 'closed' | 'disconnected';
  /** What pending requests (and, when closed, queued messages) fail with; `error` is told to the listeners too. */
  failure: TesseraError;
  error?: TesseraError | null;
  /** The state change's reason, and the reason the socket is closed with. */
  reason: string | undefined;
  closeReason: string;
  clearTokens?: boolean;
}

/** Connections that lived this long reset the reconnect backoff. */
const STABLE_CONNECTION_MS = 10_000;

export function createSocketLifecycle(options: SocketLifecycleOptions): SocketLifecycle {
  const { clock, tokens, connection, outbox, requests } = options;

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
  const waiters: Array<{ resolve(): void; reject(error: TesseraError): void }> = [];
  const unwatch: Array<() => void> = [];

  const settleWaiters = (error?: TesseraError) => {
    for (const waiter of waiters.splice(0)) error ? waiter.reject(error) : waiter.resolve();
  };

  async function attemptConnect(): Promise<void> {
    const current = ++generation;
    let token: string | null;
    try {
      const held = tokens.current()?.accessToken;
      if (refreshFirst || (needNewerThan !== null && held === needNewerThan)) await tokens.refresh();
      refreshFirst = false;
      needNewerThan = null;
      token = await tokens.getAccessToken({ createSession: options.createSessionOverHttp });
    } catch (error) {
      if (current !== generation) return;
      if (endsConnection(error)) await end(error as TesseraError);
      else scheduleReconnect();
      return;
    }
    if (current !== generation) return;
    if (!token && !options.publishableKey) {
      await end(new TesseraError('NO_CREDENTIALS', 'no tokens, tokenProvider or publishableKey to connect with'));
      return;
    }
    socketToken = acceptedToken = token;
    const handle: SocketHandle = openSocket({
      WebSocket: options.WebSocket,
      url: `${options.wsBase}/v1/ws${token ? '' : `?key=${encodeURIComponent(options.publishableKey!)}`}`,
      protocols: token ? [SUBPROTOCOL, BEARER_PROTOCOL_PREFIX + token] : [SUBPROTOCOL],
      clock,
      pingIntervalMs: options.pingIntervalMs,
      responseTimeoutMs: options.socketTimeoutMs,
      onFrame: (frame) => {
        const later = options.route(frame);
        // `ready` (or `session`) comes first; any frame proves the socket is ours.
        if (later) void later.then(() => greeted(handle));
        else greeted(handle);
      },
      onClose: socketClosed,
    });
    socket = handle;
  }

  function scheduleReconnect(): void {
    connection.transition('reconnecting');
    const current = generation;
    const pause = sleep(clock, backoffDelayMs(attempt++, options.reconnect));
    wakeReconnect = pause.wake;
    void pause.done.then(() => {
      wakeReconnect = null;
      if (current === generation && connection.state === 'reconnecting') void attemptConnect();
    });
  }

  function send(frame: ClientFrame): void {
    socket?.send(frame);
  }

  function greeted(from: SocketHandle): void {
    if (connection.state === 'connected' || from !== socket) return;
    connection.transition('connected');
    connectedAtMs = clock.now();
    for (const frame of outbox.frames()) send(frame);
    for (const frame of requests.takeUnsent()) send(frame);
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
    send({ type: 'refresh', token: pair.accessToken });
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
    socket?.close(CLOSE.NORMAL, CLIENT_CLOSE_REASONS.REPLACED);
    socket = null;
    requests.socketLost(new TesseraError('NETWORK_ERROR', 'connection replaced'));
    if (connection.state === 'connected') connection.transition('reconnecting');
  }

  function socketClosed(code: number, reason: string, refused: HandshakeFailure | null): void {
    socket = null;
    if (loggingOut) return;
    requests.socketLost(new TesseraError('NETWORK_ERROR', `connection closed (${code})`));
    if (connection.state === 'connected' && clock.now() - connectedAtMs >= STABLE_CONNECTION_MS) attempt = 0;
    const action = closeAction(code);
    if (refused && action === 'reconnect') return void handshakeFailed(refused);
    switch (action) {
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

  /** A refused origin ends the connection (retrying cannot help); anything else is retried. */
  async function handshakeFailed(failure: HandshakeFailure): Promise<void> {
    const current = generation;
    const refusal = await originRefusalOf(failure, () => options.probeOrigin(socketToken));
    if (current !== generation) return;
    if (refusal) await end(refusal);
    else scheduleReconnect();
  }

  /** Ends the connection for good (until the next `connect()`), optionally dropping the tokens. */
  function end(error: TesseraError | null, reason?: string, clearTokens = false): Promise<void> {
    return shutDown({
      to: 'closed',
      failure: error ?? new TesseraError('CLIENT_CLOSED', reason ?? 'closed'),
      reason: error?.code ?? reason,
      closeReason: CLIENT_CLOSE_REASONS.CLOSED,
      clearTokens,
      error,
    });
  }

  /** The one way a connection stops, for good or until the next `connect()`. */
  async function shutDown(how: Shutdown): Promise<void> {
    generation++;
    wakeReconnect?.();
    socket?.close(CLOSE.NORMAL, how.closeReason);
    socket = null;
    // A server-side end (revoked, invalid) is the session's end: the token manager reports it once.
    if (how.clearTokens) await (how.error ? tokens.end(how.error) : tokens.clear());
    for (const undo of unwatch.splice(0)) undo();
    tokens.stop();
    // Closed for good, queued messages cannot be sent; paused, they wait for the next connect.
    if (how.to === 'closed') outbox.rejectAll(how.failure);
    requests.rejectAll(how.failure);
    settleWaiters(how.failure);
    if (connection.state !== 'closed') connection.transition(how.to, how.reason);
    // With the tokens dropped, the token manager told of the error (or had, when it ended first).
    if (how.error && !how.clearTokens) options.report(how.error);
  }

  function wake(): void {
    if (connection.state === 'reconnecting') wakeReconnect?.();
    else socket?.ping();
  }

  function watchEnvironment(): void {
    if (unwatch.length) return;
    unwatch.push(tokens.onChange(handOver));
    if (!options.watchEnvironment) return;
    unwatch.push(
      onPageWake(['visible', 'online'], () => {
        if (!isPageHidden()) wake();
      }),
    );
  }

  return {
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
      // Runs synchronously: nothing is awaited without `clearTokens`.
      void shutDown({
        to: 'disconnected',
        failure: new TesseraError('CLIENT_CLOSED', 'disconnected'),
        reason: 'disconnect',
        closeReason: CLIENT_CLOSE_REASONS.DISCONNECT,
      });
    },

    send,

    wake,
    tokenAccepted(accessToken) {
      socketToken = acceptedToken = accessToken;
    },

    async logout(revoke) {
      loggingOut = true;
      try {
        await revoke();
      } finally {
        // Signed out here whatever the server said: a failed request is still thrown to the caller.
        await tokens.clear();
        await end(null, 'logout');
        loggingOut = false;
      }
    },
  };
}
