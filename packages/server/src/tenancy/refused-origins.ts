import type { Logger } from 'pino';
import type { Clock } from '../clock.js';

/** One line per origin (and tenant) per this long: a page retrying its socket cannot flood the log. */
export const REFUSED_ORIGIN_LOG_INTERVAL_MS = 60_000;
/** Origins remembered at most (a flood of made-up origins must not grow memory). */
const MAX_REMEMBERED = 1_000;

/**
 * Says in the server log, at `warn`, that a browser origin was refused and how to allow it:
 * otherwise a page on a new origin only sees 403s and the operator nothing. The origin and
 * the tenant, never a key or token; at most once a minute per origin, with how many were not logged.
 */
export class RefusedOrigins {
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly deps: { logger: Logger; clock: Clock }) {}

  /** `tenantId` undefined: no tenant (nor partner) allows the origin at all. */
  note(origin: string, tenantId?: string): void {
    const now = this.deps.clock.now();
    const shown = origin.slice(0, 200);
    const key = `${tenantId ?? '*'} ${shown}`;
    const last = this.lastLogged.get(key);
    if (last && now - last.at >= 0 && now - last.at < REFUSED_ORIGIN_LOG_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    this.forgetOld(now);
    this.lastLogged.set(key, { at: now, suppressed: 0 });
    const whose = tenantId ? `tenant ${tenantId}` : 'any tenant';
    this.deps.logger.warn(
      { code: 'ORIGIN_NOT_ALLOWED', origin: shown, tenantId, alsoRefusedSinceLastLine: last?.suppressed ?? 0 },
      `refused origin ${shown}: not an allowed origin of ${whose}; allow it with \`tessera origins add ${shown}\` (or PATCH /v1/settings allowedOrigins)`,
    );
  }

  private forgetOld(now: number): void {
    if (this.lastLogged.size < MAX_REMEMBERED) return;
    for (const [key, { at }] of this.lastLogged) if (now - at >= REFUSED_ORIGIN_LOG_INTERVAL_MS) this.lastLogged.delete(key);
    if (this.lastLogged.size >= MAX_REMEMBERED) this.lastLogged.clear();
  }
}
