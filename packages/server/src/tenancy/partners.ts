import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Partner, Store } from '../store/index.js';
import { validateVerification } from '../tokens/index.js';
import type { Audit, Auditor } from './audit.js';
import { isOrigin } from './settings.js';
import { type Tenants, withinCacheLifetime } from './tenants.js';

export const MAX_PARTNERS_PER_TENANT = 100;
export const MAX_PARTNER_ORIGINS = 50;

export interface CreatePartnerInput {
  name: string;
  allowedOrigins: string[];
  verification: unknown;
  trustedToAssertUsers?: boolean;
}

/** The public view of a partner: a shared secret is never shown again. */
export function describePartner(partner: Partner) {
  const verification = 'secret' in partner.verification ? { secret: '[set]' } : partner.verification;
  return {
    id: partner.id,
    name: partner.name,
    allowedOrigins: partner.allowedOrigins,
    verification,
    trustedToAssertUsers: partner.trustedToAssertUsers,
    createdAt: partner.createdAt,
  };
}

/**
 * Third parties that embed a tenant's chat on their own sites, each with its own
 * origins and token-verification key. Partners are read from the store on every
 * init token (removal is effective at once); only the union of their origins,
 * which CORS consults on every request, is cached (dropped on `tenant.changed`, and
 * after the tenant cache's lifetime: what the CLI writes next to a single node is seen too).
 */
export class Partners {
  private origins: Promise<Set<string>> | null = null;
  private readonly originsByTenant = new Map<string, Promise<string[]>>();
  private cachedAt = 0;

  private readonly store: Store;

  constructor(private readonly deps: { store: Store; clock: Clock; tenants: Tenants; audit: Audit }) {
    this.store = deps.store;
  }

  async create(tenantId: string, input: CreatePartnerInput, by?: Auditor): Promise<Partner> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) throw new TesseraError('BAD_REQUEST', 'name must be 1 to 100 characters');
    if (input.allowedOrigins.length === 0 || input.allowedOrigins.length > MAX_PARTNER_ORIGINS) {
      throw new TesseraError('BAD_REQUEST', `allowedOrigins must list 1 to ${MAX_PARTNER_ORIGINS} origins`);
    }
    for (const origin of input.allowedOrigins) {
      if (!isOrigin(origin))
        throw new TesseraError('BAD_REQUEST', `allowedOrigins: "${origin.slice(0, 100)}" is not an origin (scheme://host[:port], no path)`);
    }
    const verification = validateVerification(input.verification);
    if ((await this.store.partners.list(tenantId)).length >= MAX_PARTNERS_PER_TENANT) {
      throw new TesseraError('CONFLICT', `a tenant may have at most ${MAX_PARTNERS_PER_TENANT} partners`);
    }
    const partner: Partner = {
      id: newId('ptn'),
      tenantId,
      name,
      allowedOrigins: [...new Set(input.allowedOrigins)],
      verification,
      trustedToAssertUsers: input.trustedToAssertUsers ?? false,
      createdAt: this.deps.clock.now(),
    };
    await this.store.partners.insert(partner);
    this.invalidate();
    await this.deps.tenants.changed(tenantId);
    await this.deps.audit.by(by, {
      tenantId,
      action: 'partner.added',
      target: partner.id,
      details: {
        name: partner.name,
        allowedOrigins: partner.allowedOrigins,
        verification: Object.keys(partner.verification)[0],
        trustedToAssertUsers: partner.trustedToAssertUsers,
      },
    });
    return partner;
  }

  list(tenantId: string): Promise<Partner[]> {
    return this.store.partners.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<Partner> {
    const partner = await this.store.partners.get(id);
    if (!partner || partner.tenantId !== tenantId) throw new TesseraError('NOT_FOUND', 'no such partner');
    return partner;
  }

  /** A partner by id, of any tenant (an init token names only its partner), or null. */
  byId(id: string): Promise<Partner | null> {
    return this.store.partners.get(id);
  }

  async remove(tenantId: string, id: string, by?: Auditor): Promise<Partner> {
    const partner = await this.get(tenantId, id);
    if (!(await this.store.partners.delete(tenantId, id))) throw new TesseraError('NOT_FOUND', 'no such partner');
    this.invalidate();
    await this.deps.tenants.changed(tenantId);
    await this.deps.audit.by(by, { tenantId, action: 'partner.removed', target: partner.id, details: { name: partner.name } });
    return partner;
  }

  /** Every partner's origins (all tenants): which cross-origin callers CORS answers. */
  allOrigins(): Promise<Set<string>> {
    this.dropStale();
    this.origins ??= this.store.partners.allOrigins().then(
      (origins) => new Set(origins),
      (error: unknown) => {
        this.origins = null;
        throw error;
      },
    );
    return this.origins;
  }

  /** The origins of one tenant's partners, where sessions they started may be used. */
  originsOf(tenantId: string): Promise<string[]> {
    this.dropStale();
    let origins = this.originsByTenant.get(tenantId);
    if (!origins) {
      origins = this.store.partners.list(tenantId).then(
        (partners) => [...new Set(partners.flatMap((partner) => partner.allowedOrigins))],
        (error: unknown) => {
          this.originsByTenant.delete(tenantId);
          throw error;
        },
      );
      this.originsByTenant.set(tenantId, origins);
    }
    return origins;
  }

  invalidate(): void {
    this.origins = null;
    this.originsByTenant.clear();
  }

  private dropStale(): void {
    const now = this.deps.clock.now();
    if (withinCacheLifetime(this.cachedAt, now)) return;
    this.invalidate();
    this.cachedAt = now;
  }
}
