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

/** Open sockets by session, so a change of one session reaches all of its sockets. */
export class SocketRegistry {
  private readonly bySession = new Map<string, Set<ClosableSocket>>();

  add(socket: ClosableSocket): void {
    let sockets = this.bySession.get(socket.sessionId);
    if (!sockets) {
      sockets = new Set();
      this.bySession.set(socket.sessionId, sockets);
    }
    sockets.add(socket);
  }

  remove(socket: ClosableSocket): void {
    const sockets = this.bySession.get(socket.sessionId);
    if (!sockets) return;
    sockets.delete(socket);
    if (sockets.size === 0) this.bySession.delete(socket.sessionId);
  }

  /** Closes every socket of a session except `keepSocketId`. */
  closeSession(sessionId: string, code: number, reason: string, keepSocketId?: string): number {
    let closed = 0;
    for (const socket of [...(this.bySession.get(sessionId) ?? [])]) {
      if (socket.socketId === keepSocketId) continue;
      socket.close(code, reason);
      closed++;
    }
    return closed;
  }

  /** Sends a frame to every socket of a session on this node. */
  sendToSession(sessionId: string, frame: ServerFrame): void {
    const sockets = this.bySession.get(sessionId);
    if (sockets) for (const socket of sockets) socket.send(frame);
  }

  all(): ClosableSocket[] {
    return [...this.bySession.values()].flatMap((sockets) => [...sockets]);
  }

  get size(): number {
    let count = 0;
    for (const sockets of this.bySession.values()) count += sockets.size;
    return count;
  }
}
