import type { ServerFrame } from '@tessera/protocol';
import type { BackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { ConnectionStateMachine } from './connection.js';
import type { TesseraError } from './errors.js';
import type { Outbox } from './outbox.js';
import type { PendingRequests } from './pending-requests.js';
import type { WebSocketConstructor } from './socket.js';
import type { TokenManager } from './token-manager.js';

/** What the socket lifecycle works with: the socket, the tokens, the queues, and how to report. */
export interface SocketLifecycleOptions {
  WebSocket: WebSocketConstructor;
  /** The socket base URL, `wss://chat.example.com`. */
  wsBase: string;
  publishableKey?: string;
  clock: Clock;
  tokens: TokenManager;
  /** Start anonymous sessions over HTTP before connecting (the cookie), rather than let the socket start one. */
  createSessionOverHttp: boolean;
  connection: ConnectionStateMachine;
  outbox: Outbox;
  requests: PendingRequests;
  /** Hands a frame on; a returned promise delays the greeting until it settles. */
  route(frame: ServerFrame): Promise<void> | undefined;
  reconnect: BackoffOptions;
  pingIntervalMs: number;
  socketTimeoutMs: number;
  /** Reconnect (or ping) at once when the page becomes visible or comes back online. */
  watchEnvironment: boolean;
  /** An HTTP call with the socket's credentials (its token, else the publishable key): refused when the origin is. */
  probeOrigin(accessToken: string | null): Promise<unknown>;
  /** Tells the client's listeners of an error the client ends on (unless they heard of it already). */
  report(error: TesseraError): void;
}
