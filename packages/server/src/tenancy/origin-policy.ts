import { TesseraError } from '../errors.js';
import type { Tenant } from '../store/index.js';
import type { Partners } from './partners.js';
import type { RefusedOrigins } from './refused-origins.js';
import type { Tenants } from './tenants.js';

/**
 * Which browser origins may call: `Origin` must be exactly one of the tenant's allowed
 * origins (no prefix or suffix matching), or, for callers holding a session's tokens,
 * one of its partners' (a session a partner's page started lives on that page).
 * A request without `Origin` (not a browser) passes.
 */
export class OriginPolicy {
  constructor(private readonly deps: { tenants: Tenants; partners: Partners; refusals?: RefusedOrigins }) {}

  /** Allowed by some tenant or partner: enough for CORS, and to refuse a handshake before any credential is read. */
  async isKnown(origin: string): Promise<boolean> {
    return (await this.deps.tenants.allOrigins()).has(origin) || (await this.deps.partners.allOrigins()).has(origin);
  }

  /** Refuses (and logs, rated) an origin no tenant or partner allows: a handshake's first check. */
  async assertKnown(origin: string | undefined): Promise<void> {
    if (origin === undefined || (await this.isKnown(origin))) return;
    this.deps.refusals?.note(origin);
    throw new TesseraError('ORIGIN_NOT_ALLOWED', 'origin not allowed');
  }

  /** For callers naming the tenant by key: the tenant's own origins only. */
  assertTenantOrigin(tenant: Tenant, origin: string | undefined, extraOrigins: readonly string[] = []): void {
    if (origin === undefined) return;
    if (tenant.settings.allowedOrigins.includes(origin) || extraOrigins.includes(origin)) return;
    this.deps.refusals?.note(origin, tenant.id);
    throw new TesseraError('ORIGIN_NOT_ALLOWED', 'origin not allowed');
  }

  /** For callers holding a session's tokens: the tenant's origins or its partners'. */
  async assertSessionOrigin(tenant: Tenant, origin: string | undefined): Promise<void> {
    if (origin === undefined || tenant.settings.allowedOrigins.includes(origin)) return;
    this.assertTenantOrigin(tenant, origin, await this.deps.partners.originsOf(tenant.id));
  }
}
