import type { Session, Store } from '../store/index.js';

const MAX_ENTRIES = 100_000;

/**
 * Session state for token verification without a query on the hot path. Entries are
 * dropped whenever a session changes (on this node directly, on others via the bus).
 * While the bus may be missing other nodes' events (Redis down) the cache is not
 * trusted: every lookup reads the store, so a revocation anywhere takes effect at once.
 */
export class SessionCache {
  private readonly entries = new Map<string, Session>();
  private readonly loading = new Map<string, Promise<Session | null>>();
  /** Bumped by every invalidation: a load that raced one must not cache what it read. */
  private epoch = 0;
  private trusted = true;

  constructor(private readonly store: Store) {}

  async get(id: string): Promise<Session | null> {
    if (!this.trusted) return this.store.sessions.get(id);
    const cached = this.entries.get(id);
    if (cached) return cached;
    let pending = this.loading.get(id);
    if (!pending) {
      const epoch = this.epoch;
      const load = this.store.sessions.get(id).finally(() => {
        if (this.loading.get(id) === load) this.loading.delete(id);
      });
      pending = load;
      this.loading.set(id, load);
      const loaded = await load;
      if (loaded && this.epoch === epoch && this.trusted) this.remember(loaded);
      return loaded;
    }
    return pending;
  }

  remember(session: Session): void {
    if (!this.trusted) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(session.id, session);
  }

  invalidate(id: string): void {
    this.epoch++;
    this.entries.delete(id);
    this.loading.delete(id);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.loading.clear();
  }

  /** Trust the cache (the bus delivers every change) or not (read the store every time); drops it either way. */
  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    this.clear();
  }
}
