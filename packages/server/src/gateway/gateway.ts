import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeCodeOf, type ErrorCode, MAX_FRAME_BYTES, SUBPROTOCOL } from '@tessera/protocol';
import { WebSocketServer } from 'ws';
import { isTesseraError, TesseraError } from '../errors.js';
import type { Services } from '../services.js';
import type { User } from '../store/index.js';
import { ANON_COOKIE, ANON_COOKIE_MAX_AGE_SECONDS, serializeCookie } from '../edge/cookies.js';
import { clientAddress } from '../edge/client-address.js';
import { CLOSE_REASON_OF_CHANGE } from '../sessions/index.js';
import { Connection, type ConnectionDeps } from './connection.js';
import { ExpiryTimers } from './expiry-timers.js';
import { GatewaySocket } from './gateway-socket.js';
import { authenticateHandshake, type HandshakeOutcome } from './handshake.js';
import { SocketRegistry } from './socket-registry.js';
import { SocketSweeper } from './session-sweep.js';

export const WS_PATH = '/v1/ws';

/** The WebSocket edge: authenticates upgrades, owns the open sockets, reacts to session changes. */
export class Gateway {
  readonly registry = new SocketRegistry<Connection>();
  private readonly wss: WebSocketServer;
  private readonly connectionDeps: ConnectionDeps;
  private readonly expiry: ExpiryTimers<Connection>;
  private readonly connectionsPerIp = new Map<string, number>();
  private readonly pendingCookies = new WeakMap<IncomingMessage, string[]>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly sweeper: SocketSweeper;
  private closing = false;

  constructor(private readonly services: Services) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      WebSocket: GatewaySocket,
      // The registry knows every open socket (the heartbeat walks it): no second Set and close listener per socket.
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    this.wss.on('headers', (headers, request) => {
      const cookies = this.pendingCookies.get(request);
      if (cookies) for (const cookie of cookies) headers.push(`Set-Cookie: ${cookie}`);
    });
    this.expiry = new ExpiryTimers(services.clock);
    this.connectionDeps = {
      services,
      expiry: this.expiry,
      onClose: (closed) => this.registry.remove(closed),
      onClosed: (closed) => this.releaseSlot(closed.ip),
    };
    this.unsubscribe = services.bus.subscribe((event) => {
      if (event.type === 'session.frame') return this.registry.sendToSession(event.sessionId, event.frame);
      if (event.type !== 'session.changed') return;
      const reason = CLOSE_REASON_OF_CHANGE[event.reason];
      this.registry.closeSession(event.sessionId, closeCodeOf(reason), reason, event.keepSocketId);
    });
    // While the bus may miss events (Redis down), open sockets are re-checked against the store instead.
    this.sweeper = new SocketSweeper(this.registry, services);
    services.metrics.countSocketsWith(() => this.registry.size);
    this.heartbeat = setInterval(() => this.beat(), services.config.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', destroyOnError);
      void this.onUpgrade(request, socket, head);
    });
  }

  get openSockets(): number {
    return this.registry.size;
  }

  /** Closes every socket with 1012 so clients reconnect (to another node, or to us after restart). */
  shutdown(): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.expiry.clear();
    this.sweeper.stop();
    this.unsubscribe();
    for (const socket of this.registry.all()) socket.close(closeCodeOf('UNAVAILABLE'), 'UNAVAILABLE');
    this.wss.close();
  }

  private async onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A reconnect with its token in the subprotocol asks for the bare path: no URL to parse.
    const url = request.url === WS_PATH ? null : new URL(request.url ?? '/', 'http://localhost');
    if (url && url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    const { metrics } = this.services;
    const ip = clientAddress(request, this.services.config.trustProxy);
    if (this.closing) {
      this.refused('UNAVAILABLE', request, ip);
      return refuse(socket, 503, 'Service Unavailable');
    }
    // The slot is taken before the first await, or a burst of handshakes would all pass the check.
    if (!this.takeSlot(ip)) {
      this.refused('RATE_LIMITED', request, ip);
      return refuse(socket, 429, 'Too Many Requests');
    }
    // Until a connection owns the socket (and gives the slot back when it closes), whatever ends it does.
    let slotHeld = true;
    const release = () => {
      if (!slotHeld) return;
      slotHeld = false;
      this.releaseSlot(ip);
    };
    socket.once('close', release);

    let outcome: HandshakeOutcome | TesseraError;
    let user: User | null = null;
    let authenticated: HandshakeOutcome | null = null;
    try {
      authenticated = await authenticateHandshake(this.services, request, url?.searchParams ?? null, ip);
      // Resolved before the upgrade, so the socket has its frame handler the moment it opens.
      user = await this.services.sessions.userOf(sessionOf(authenticated));
      outcome = authenticated;
    } catch (error) {
      const sessionId = authenticated ? sessionOf(authenticated).id : isTesseraError(error) ? error.sessionId : undefined;
      if (isTesseraError(error) && error.code === 'ORIGIN_NOT_ALLOWED') {
        release();
        this.refused('ORIGIN_NOT_ALLOWED', request, ip, sessionId);
        return refuse(socket, 403, 'Forbidden');
      }
      if (!isTesseraError(error)) this.services.logger.error({ err: error, ip, sessionId }, 'handshake failed');
      outcome = isTesseraError(error) ? error : new TesseraError('INTERNAL', 'internal error');
      // Accepted, then closed with the error's code (onOpen).
      this.refused(outcome.code, request, ip, sessionId);
    }
    if (!(outcome instanceof TesseraError)) metrics.handshakes.inc({ kind: outcome.kind });
    if (!(outcome instanceof TesseraError) && outcome.kind === 'new-session') {
      const secure = request.headers.origin?.startsWith('https:') ?? false;
      this.pendingCookies.set(request, [
        serializeCookie(ANON_COOKIE, this.services.anonymousCookies.seal(outcome.issued.session.anonymousId), {
          maxAgeSeconds: ANON_COOKIE_MAX_AGE_SECONDS,
          secure,
        }),
      ]);
    }
    const settled = outcome;
    // handleUpgrade writes the 101 and calls back synchronously; corked, the 101 and the first
    // frame (`ready`, `session` or the close) leave in one write instead of two.
    socket.cork();
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Refused: closed at once, and the listener gives the slot back.
      if (settled instanceof TesseraError) return ws.close(closeCodeOf(settled.code), settled.code);
      // From here on the connection gives the slot back when its socket closes.
      socket.removeListener('close', release);
      if (!slotHeld) return ws.terminate();
      slotHeld = false;
      this.onOpen(ws as GatewaySocket, settled, user, ip, socket);
    });
    socket.uncork();
  }

  /**
   * Counts and logs a refused handshake: its code, the client's address and Origin, and the session
   * when it is known. Never the URL or a header that may carry a credential.
   */
  private refused(code: ErrorCode, request: IncomingMessage, ip: string, sessionId?: string): void {
    this.services.metrics.handshakeFailures.inc({ code });
    // The origin policy logged it already, rated: a refused page retrying must not flood the log.
    if (code === 'ORIGIN_NOT_ALLOWED') return;
    const origin = request.headers.origin?.slice(0, 200);
    const level = code === 'RATE_LIMITED' ? 'warn' : 'info';
    this.services.logger[level]({ code, ip, origin, sessionId }, 'websocket handshake refused');
  }

  /** Counts a connection of `ip` against the cap; false when it is full. */
  private takeSlot(ip: string): boolean {
    const taken = this.connectionsPerIp.get(ip) ?? 0;
    if (taken >= this.services.config.maxConnectionsPerIp) return false;
    this.connectionsPerIp.set(ip, taken + 1);
    return true;
  }

  private releaseSlot(ip: string): void {
    const left = (this.connectionsPerIp.get(ip) ?? 1) - 1;
    if (left <= 0) this.connectionsPerIp.delete(ip);
    else this.connectionsPerIp.set(ip, left);
  }

  /** `transport` is the socket under `ws`. */
  private onOpen(ws: GatewaySocket, outcome: HandshakeOutcome, user: User | null, ip: string, transport: Duplex): void {
    const { sessions } = this.services;
    const auth = outcome.kind === 'authenticated' ? outcome.auth : { claims: outcome.issued.claims, session: outcome.issued.session };
    const connection = new Connection(ws, auth, user, ip, transport, this.connectionDeps);
    this.registry.add(connection);
    if (ws.readyState !== ws.OPEN) {
      connection.end('GONE');
      return;
    }
    // A change that landed between verification and registration found no socket to close.
    void sessions.stillCurrent(auth).then((current) => {
      if (!current) connection.end('AUTH_CHANGED');
    });
    if (outcome.kind === 'new-session') {
      const { accessToken, refreshToken, expiresAt, session } = outcome.issued;
      connection.send({ type: 'session', accessToken, refreshToken, expiresAt, session: sessions.describe(session) });
    } else {
      connection.send({ type: 'ready', session: sessions.describe(auth.session, user), expiresAt: auth.claims.exp * 1000 });
    }
  }

  private beat(): void {
    for (const connection of this.registry.all()) connection.beat();
  }
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

function sessionOf(outcome: HandshakeOutcome) {
  return outcome.kind === 'authenticated' ? outcome.auth.session : outcome.issued.session;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
