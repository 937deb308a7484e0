import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import type { ApiKey } from '../store/index.js';
import { withinCacheLifetime } from './tenants.js';

/** Beyond this many cached keys the oldest read goes first. */
const MAX_CACHED_KEYS = 10_000;

/**
 * Publishable keys as last read from the store: every session start presents one, and a browser
 * key is public anyway, so its record may be a few seconds old. A revocation or rotation drops it
 * on every node at once (`api-key.changed`); what another process wrote with no bus between them
 * (the CLI next to a single node) is seen within the tenant cache's lifetime; while the bus may
 * miss events nothing cached is used. Secret keys are never cached: a leaked one dies at once.
 */
export class PublishableKeyCache {
  private readonly keys = new Map<string, { key: ApiKey; readAt: number }>();

  constructor(private readonly deps: { bus: Bus; clock: Clock }) {}

  async get(id: string, read: () => Promise<ApiKey | null>): Promise<ApiKey | null> {
    const cached = this.keys.get(id);
    const now = this.deps.clock.now();
    if (cached && this.deps.bus.reliable && withinCacheLifetime(cached.readAt, now)) return cached.key;
    const key = await read();
    if (key?.kind === 'publishable') {
      this.keys.delete(id);
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, { key, readAt: now });
    }
    return key;
  }

  forget(id: string): void {
    this.keys.delete(id);
  }

  clear(): void {
    this.keys.clear();
  }
}
