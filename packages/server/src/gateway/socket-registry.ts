import type { ServerFrame } from '@tessera/protocol';

/** Anything the registry can close: a connection of the gateway. */
export interface ClosableSocket {
  readonly socketId: string;
  readonly sessionId: string;
  /** The auth version (`ver`) the socket is signed in at, when known: an older one than the session's is stale. */
  readonly sessionVer?: number;
  close(code: number, reason: string): void;
  send(frame: ServerFrame): void;
}

/**
 * Open sockets by session, so a change of one session reaches all of its sockets. Almost every
 * session has one socket: it is held as is, and only a second one makes a Set (about 170 bytes).
 */
export class SocketRegistry<S extends ClosableSocket = ClosableSocket> {
  private readonly bySession = new Map<string, S | Set<S>>();
  private count = 0;

  add(socket: S): void {
    const held = this.bySession.get(socket.sessionId);
    if (held === socket || (held instanceof Set && held.has(socket))) return;
    this.count++;
    if (held === undefined) this.bySession.set(socket.sessionId, socket);
    else if (held instanceof Set) held.add(socket);
    else this.bySession.set(socket.sessionId, new Set([held, socket]));
  }

  remove(socket: S): void {
    const held = this.bySession.get(socket.sessionId);
    if (held === socket) {
      this.bySession.delete(socket.sessionId);
      this.count--;
    } else if (held instanceof Set && held.delete(socket)) {
      this.count--;
      if (held.size === 1) this.bySession.set(socket.sessionId, held.values().next().value as S);
    }
  }

  /** Closes every socket of a session except `keepSocketId`. */
  closeSession(sessionId: string, code: number, reason: string, keepSocketId?: string): number {
    let closed = 0;
    for (const socket of this.ofSession(sessionId)) {
      if (socket.socketId === keepSocketId) continue;
      socket.close(code, reason);
      closed++;
    }
    return closed;
  }

  /** Sends a frame to every socket of a session on this node. */
  sendToSession(sessionId: string, frame: ServerFrame): void {
    for (const socket of this.ofSession(sessionId)) socket.send(frame);
  }

  all(): S[] {
    const sockets: S[] = [];
    for (const held of this.bySession.values()) {
      if (held instanceof Set) sockets.push(...held);
      else sockets.push(held);
    }
    return sockets;
  }

  get size(): number {
    return this.count;
  }

  /** A copy: closing a socket removes it from the registry while the caller iterates. */
  private ofSession(sessionId: string): S[] {
    const held = this.bySession.get(sessionId);
    if (held === undefined) return [];
    return held instanceof Set ? [...held] : [held];
  }
}
