import type { Session, Store } from '../store/index.js';

const MAX_ENTRIES = 100_000;

/**
 * Session state for token verification without a query on the hot path. Entries are
 * dropped whenever a session changes (on this node directly, on others via the bus).
 */
export class SessionCache {
  private readonly entries = new Map<string, Session>();
  private readonly loading = new Map<string, Promise<Session | null>>();

  constructor(private readonly store: Store) {}

  async get(id: string): Promise<Session | null> {
    const cached = this.entries.get(id);
    if (cached) return cached;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.store.sessions.get(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
      const loaded = await pending;
      // An invalidation that raced the load removed the pending entry: don't cache stale state.
      if (loaded && !this.entries.has(id)) this.remember(loaded);
      return loaded;
    }
    return pending;
  }

  remember(session: Session): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(session.id, session);
  }

  invalidate(id: string): void {
    this.entries.delete(id);
    this.loading.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
