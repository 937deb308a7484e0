/** What one node tells every node (itself included) about a session's auth state. */
export type BusEvent =
  | { type: 'session.changed'; sessionId: string; reason: 'auth_changed' | 'revoked' | 'logged_out'; keepSocketId?: string }
  | { type: 'tenant.changed'; tenantId: string }
  | { type: 'key.revoked'; keyId: string };

export interface Bus {
  publish(event: BusEvent): Promise<void>;
  subscribe(handler: (event: BusEvent) => void): () => void;
  close(): Promise<void>;
}
