import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';
import { cleanupExpired } from './cleanup.js';

export interface CleanupJobDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
}

/**
 * Cleans up every `intervalMs` (0 disables it), then runs `alsoEachTime` (housekeeping of the
 * floors above, e.g. marking interrupted turns); returns a stop function.
 */
export function startCleanupJob(deps: CleanupJobDeps, intervalMs: number, alsoEachTime?: () => Promise<unknown>): () => void {
  if (intervalMs === 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void cleanupAllTenants(deps)
      .then(async (report) => {
        if (report.sessions > 0 || report.messages > 0) deps.logger.info({ report }, 'cleanup');
        await alsoEachTime?.();
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'cleanup failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Expired sessions and messages past retention, of every tenant. */
export async function cleanupAllTenants(deps: { store: Store; clock: Clock }) {
  const tenants = await deps.store.tenants.list();
  return cleanupExpired(
    deps.store,
    deps.clock,
    tenants.map((t) => t.id),
  );
}
