import type { Clock } from '../clock.js';
import type { Store } from '../store/index.js';

/**
 * Remembers single-use ids (an init token's `jti`) until they expire. `claim` answers
 * true exactly once per id, across every node sharing the backing store.
 */
export interface ReplayGuard {
  /** True if `id` was unused (and is now used); false on any later call before `expiresAt`. */
  claim(id: string, expiresAt: number): Promise<boolean>;
}

const PURGE_INTERVAL_MS = 10 * 60_000;

/** The database-backed guard: one insert on a primary key, so the check and the claim are one atomic step. */
export class DatabaseReplayGuard implements ReplayGuard {
  private lastPurge = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async claim(id: string, expiresAt: number): Promise<boolean> {
    const claimed = await this.store.usedTokenIds.claim(id, expiresAt);
    const now = this.clock.now();
    if (now - this.lastPurge >= PURGE_INTERVAL_MS) {
      this.lastPurge = now;
      void this.store.usedTokenIds.purgeExpired(now).catch(() => (this.lastPurge = 0));
    }
    return claimed;
  }
}
