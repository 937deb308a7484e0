import type { ClientFrame, ServerFrame } from '@tessera/protocol';
import { CLOSE } from '@tessera/protocol';
import type { Clock } from './clock.js';

/** The subset of the WebSocket API the client uses (browser WebSocket, `ws`, React Native). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Client-side close code: the server stopped answering (no frame after a ping). */
export const HEARTBEAT_TIMEOUT = 4000;

/**
 * Reasons the client closes its own sockets with. The server's reasons are `CLOSE_REASONS`
 * (protocol); these only ever go from the client, and no peer acts on them.
 */
export const CLIENT_CLOSE_REASONS = {
  /** Replaced by a new socket (a token of another session, or one the server refused). */
  REPLACED: 'replaced',
  /** The session ended here (logout, a dead session). */
  CLOSED: 'closed',
  /** `disconnect()`: paused until the next `connect()`. */
  DISCONNECT: 'disconnect',
  /** No frame came back after a ping. */
  PING_TIMEOUT: 'PING_TIMEOUT',
} as const;

export interface SocketOptions {
  WebSocket: WebSocketConstructor;
  url: string;
  protocols: string[];
  clock: Clock;
  pingIntervalMs: number;
  /** How long to wait for the handshake, or for any frame after a ping. */
  responseTimeoutMs: number;
  onFrame(frame: ServerFrame): void;
  /**
   * Called once, when the server or the network ended the socket (not after `close()`).
   * `refused` when it never opened (the handshake failed), with what the error event said, if anything.
   */
  onClose(code: number, reason: string, refused: HandshakeFailure | null): void;
}

/** A handshake that failed: `ws` and React Native name the HTTP status in the error's message; browsers say nothing. */
export interface HandshakeFailure {
  message?: string;
}

export interface SocketHandle {
  send(frame: ClientFrame): void;
  /** Checks the socket is alive now (after a wake or coming back online). */
  ping(): void;
  close(code?: number, reason?: string): void;
}

const ignoreEvent = () => undefined;

/** One WebSocket: JSON frames in and out, a heartbeat that notices a dead network. */
export function openSocket(options: SocketOptions): SocketHandle {
  const { clock } = options;
  const ws = new options.WebSocket(options.url, options.protocols);
  let finished = false;
  let opened = false;
  let errorMessage: string | undefined;
  let pingTimer: unknown;
  let deadline: unknown;

  const stopTimers = () => {
    clock.clearTimeout(pingTimer);
    clock.clearTimeout(deadline);
    deadline = undefined;
  };
  const detach = () => {
    finished = true;
    stopTimers();
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  };
  const finish = (code: number, reason: string) => {
    if (finished) return;
    detach();
    options.onClose(code, reason, opened ? null : { ...(errorMessage !== undefined && { message: errorMessage }) });
  };
  const expectResponse = () => {
    deadline ??= clock.setTimeout(() => {
      try {
        ws.close(HEARTBEAT_TIMEOUT, CLIENT_CLOSE_REASONS.PING_TIMEOUT);
      } catch {
        /* already closing */
      }
      finish(HEARTBEAT_TIMEOUT, CLIENT_CLOSE_REASONS.PING_TIMEOUT);
    }, options.responseTimeoutMs);
  };
  const send = (frame: ClientFrame) => {
    if (!finished && ws.readyState === 1) ws.send(JSON.stringify(frame));
  };
  const ping = () => {
    if (finished) return;
    send({ type: 'ping' });
    expectResponse();
  };
  const armPing = () => {
    clock.clearTimeout(pingTimer);
    pingTimer = clock.setTimeout(ping, options.pingIntervalMs);
  };

  expectResponse(); // the handshake must complete in time too
  ws.onopen = () => {
    opened = true;
    armPing();
  };
  ws.onmessage = (event) => {
    clock.clearTimeout(deadline);
    deadline = undefined;
    armPing();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(event.data)) as ServerFrame;
    } catch {
      return;
    }
    if (frame && typeof frame.type === 'string') options.onFrame(frame);
  };
  ws.onclose = (event) => finish(event.code, event.reason);
  ws.onerror = (event) => {
    // A close event follows; its code (1006) says nothing of why a handshake failed, the error may.
    const message = (event as { message?: unknown } | null)?.message;
    if (typeof message === 'string') errorMessage = message;
  };

  return {
    send,
    ping,
    close(code = CLOSE.NORMAL, reason = '') {
      if (finished) return;
      detach();
      // `ws` reports closing a socket still connecting as an error event: one nobody handles would throw.
      ws.onerror = ignoreEvent;
      try {
        ws.close(code, reason);
      } catch {
        /* not open yet in some implementations */
      }
    },
  };
}
