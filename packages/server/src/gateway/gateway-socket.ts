import { WebSocket } from 'ws';

/** What a gateway socket's events reach, once the handshake has made it one. */
export interface SocketOwner {
  receive(data: Buffer, isBinary: boolean): void;
  /** The socket errored or closed: it is going away. */
  dispose(): void;
  /** The socket has closed: whatever it held (its slot) can be given back. */
  closed(): void;
}

/**
 * The WebSocket the gateway accepts (ws's `WebSocket` option): it carries its owner and its
 * heartbeat state as fields, so its listeners are functions shared by every socket instead of
 * closures of each (a closure and its context are about 100 bytes; a socket had six).
 */
export class GatewaySocket extends WebSocket {
  owner: SocketOwner | null = null;
  /** Answered the last ping (or has just opened). */
  alive = true;

  /** Hands this socket's events to `owner`. */
  ownedBy(owner: SocketOwner): void {
    this.owner = owner;
    this.on('message', onMessage);
    this.on('error', onError);
    this.on('close', onClose);
    this.on('pong', onPong);
  }

  /** Pings, or ends a socket that did not answer the last ping. */
  beat(): void {
    if (!this.alive) {
      this.terminate();
      return;
    }
    this.alive = false;
    this.ping();
  }
}

// ws calls its listeners with the socket as `this`; these are only ever added to a GatewaySocket.
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as GatewaySocket).owner?.receive(data, isBinary);
}

function onError(this: WebSocket): void {
  (this as GatewaySocket).owner?.dispose();
}

function onClose(this: WebSocket): void {
  const { owner } = this as GatewaySocket;
  owner?.dispose();
  owner?.closed();
}

function onPong(this: WebSocket): void {
  (this as GatewaySocket).alive = true;
}
