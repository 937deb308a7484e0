import type { ServerFrame } from '@tessera/protocol';

/** What one node tells every node (itself included) about a session's auth state. */
export type BusEvent =
  | { type: 'session.changed'; sessionId: string; reason: 'auth_changed' | 'revoked' | 'logged_out'; keepSocketId?: string }
  /** The session's own user signed in again (fresh auth_time): nothing closes, waiting turns may run. */
  | { type: 'session.reauthenticated'; sessionId: string }
  | { type: 'tenant.changed'; tenantId: string }
  /** A key was revoked or rotated: every node drops its cached copy. */
  | { type: 'api-key.changed'; keyId: string }
  /** A frame for every open socket of a session, on whichever node it is (an agent's reply as it streams). */
  | { type: 'session.frame'; sessionId: string; frame: ServerFrame }
  /** A client asked to stop the agent's reply to `messageId`: the node running that turn aborts it. */
  | { type: 'turn.stop'; sessionId: string; messageId: string };

export interface Bus {
  /** Delivers to this node's subscribers at once, and to every other node's. */
  publish(event: BusEvent): Promise<void>;
  subscribe(handler: (event: BusEvent) => void): () => void;
  /**
   * False while this node may be missing other nodes' events (Redis unreachable).
   * Meanwhile nothing cached from those events may be trusted: session state is read
   * from the store, and open sockets are re-checked against it.
   */
  readonly reliable: boolean;
  /** Told `false` when events may start being missed, `true` once they flow again (drop caches then). */
  onReliabilityChange(handler: (reliable: boolean) => void): () => void;
  close(): Promise<void>;
}
