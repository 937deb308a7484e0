import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Store, Tenant, TenantSettings } from '../store/index.js';
import { applySettingsPatch, DEFAULT_SETTINGS, type SettingsPatch } from './settings.js';

/** Tenants and their settings, cached in memory: settings are read on every request. */
export class Tenants {
  private readonly cache = new Map<string, Tenant>();
  private knownOrigins: Promise<Set<string>> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

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
    if (cached) return cached;
    const tenant = await this.store.tenants.get(id);
    if (!tenant) throw new TesseraError('NOT_FOUND', 'no such tenant');
    tenant.settings = withDefaults(tenant.settings);
    this.cache.set(id, tenant);
    return tenant;
  }

  async first(): Promise<Tenant | null> {
    const tenant = await this.store.tenants.first();
    return tenant ? this.get(tenant.id) : null;
  }

  async updateSettings(id: string, patch: SettingsPatch): Promise<TenantSettings> {
    const tenant = await this.get(id);
    const settings = applySettingsPatch(tenant.settings, patch);
    await this.store.tenants.updateSettings(id, settings);
    this.invalidate(id);
    return settings;
  }

  /** Origins allowed by any tenant: enough to answer a CORS preflight, which carries no key. */
  allOrigins(): Promise<Set<string>> {
    this.knownOrigins ??= this.store.tenants.list().then((tenants) => new Set(tenants.flatMap((t) => withDefaults(t.settings).allowedOrigins)));
    return this.knownOrigins;
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
