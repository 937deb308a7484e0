import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Store, Tenant, TenantSettings } from '../store/index.js';
import type { Audit, Auditor } from './audit.js';
import { sealOAuthPatch } from './oauth-settings.js';
import type { SecretBox } from './secret-box.js';
import { applySettingsPatch, DEFAULT_SETTINGS, type SettingsPatch } from './settings.js';

export interface TenantsDeps {
  store: Store;
  clock: Clock;
  bus: Bus;
  audit: Audit;
  /** Seals what settings hold that must be read back (providers' client secrets). */
  secretBox: SecretBox;
}

/**
 * How long a cached tenant is trusted without word of a change: what another process wrote to the
 * store with no bus between them (the `tessera` CLI next to a single node) is seen within this.
 */
export const TENANT_CACHE_TTL_MS = 5_000;

/** Whether what was read at `readAtMs` may still be trusted at `nowMs` (a clock set back is not). */
export function withinCacheLifetime(readAtMs: number, nowMs: number): boolean {
  const age = nowMs - readAtMs;
  return age >= 0 && age < TENANT_CACHE_TTL_MS;
}

/**
 * Tenants and their settings, cached in memory: settings are read on every request.
 * A change tells every node (`tenant.changed`) and, when it has an actor, is audited.
 */
export class Tenants {
  private readonly cache = new Map<string, { tenant: Tenant; readAt: number }>();
  private knownOrigins: { origins: Promise<Set<string>>; readAt: number } | null = null;
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(private readonly deps: TenantsDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
  }

  async create(name: string, allowedOrigins: string[] = []): Promise<Tenant> {
    const tenant: Tenant = {
      id: newId('ten'),
      name,
      settings: { ...structuredClone(DEFAULT_SETTINGS), allowedOrigins },
      createdAt: this.clock.now(),
    };
    await this.store.tenants.insert(tenant);
    return tenant;
  }

  async get(id: string): Promise<Tenant> {
    const cached = this.cache.get(id);
    if (cached && this.fresh(cached.readAt)) return cached.tenant;
    const readAt = this.clock.now();
    const tenant = await this.store.tenants.get(id);
    if (!tenant) throw new TesseraError('NOT_FOUND', 'no such tenant');
    tenant.settings = withDefaults(tenant.settings);
    this.cache.set(id, { tenant, readAt });
    return tenant;
  }

  async first(): Promise<Tenant | null> {
    const tenant = await this.store.tenants.first();
    return tenant ? this.get(tenant.id) : null;
  }

  async updateSettings(id: string, patch: SettingsPatch, by?: Auditor): Promise<TenantSettings> {
    const tenant = await this.get(id);
    const sealed = patch.oauth ? { ...patch, oauth: sealOAuthPatch(id, tenant.settings, patch.oauth, this.deps.secretBox) } : patch;
    const settings = applySettingsPatch(tenant.settings, sealed as SettingsPatch);
    await this.store.tenants.updateSettings(id, settings);
    await this.changed(id);
    await this.deps.audit.by(by, { tenantId: id, action: 'settings.changed', target: id, details: { fields: Object.keys(patch) } });
    return settings;
  }

  /** Every node drops what it cached of the tenant (settings, origins, partners). */
  async changed(id: string): Promise<void> {
    this.invalidate(id);
    await this.deps.bus.publish({ type: 'tenant.changed', tenantId: id });
  }

  /** Origins allowed by any tenant: enough to answer a CORS preflight, which carries no key. */
  allOrigins(): Promise<Set<string>> {
    if (this.knownOrigins && this.fresh(this.knownOrigins.readAt)) return this.knownOrigins.origins;
    const origins = this.store.tenants.list().then((tenants) => new Set(tenants.flatMap((t) => withDefaults(t.settings).allowedOrigins)));
    this.knownOrigins = { origins, readAt: this.clock.now() };
    return origins;
  }

  private fresh(readAt: number): boolean {
    return withinCacheLifetime(readAt, this.clock.now());
  }

  invalidate(id: string): void {
    this.cache.delete(id);
    this.knownOrigins = null;
  }

  /** Drops every cached tenant (after the bus may have missed `tenant.changed` events). */
  invalidateAll(): void {
    this.cache.clear();
    this.knownOrigins = null;
  }
}

function withDefaults(settings: TenantSettings): TenantSettings {
  return applySettingsPatch(DEFAULT_SETTINGS, settings as never);
}
