import type { Services } from '../services.js';
import { cleanupExpired } from './cleanup.js';

/** Runs cleanup every `cleanupIntervalMs` (0 disables it); returns a stop function. */
export function startCleanupJob(services: Services): () => void {
  const { cleanupIntervalMs } = services.config;
  if (cleanupIntervalMs === 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      const tenants = await services.store.tenants.list();
      const report = await cleanupExpired(services.store, services.clock, tenants.map((t) => t.id));
      if (report.sessions > 0 || report.messages > 0) services.logger.info({ report }, 'cleanup');
    })()
      .catch((error: unknown) => services.logger.warn({ err: error }, 'cleanup failed'))
      .finally(() => (running = false));
  }, cleanupIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
