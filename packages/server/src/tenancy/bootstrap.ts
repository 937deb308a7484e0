import type { ApiKeys } from './api-keys.js';
import type { Tenants } from './tenants.js';

export interface InitResult {
  created: boolean;
  tenantId: string;
  /** Shown once, on creation only. */
  secretKey?: string;
  publishableKey?: string;
}

/** Creates the default tenant with an admin secret key and a publishable key; idempotent. */
export async function initialise(deps: { tenants: Tenants; apiKeys: ApiKeys }, allowedOrigins: string[]): Promise<InitResult> {
  const existing = await deps.tenants.first();
  if (existing) return { created: false, tenantId: existing.id };
  const tenant = await deps.tenants.create('default', allowedOrigins);
  const secret = await deps.apiKeys.create({ tenantId: tenant.id, name: 'admin', kind: 'secret', scopes: ['admin'] });
  const publishable = await deps.apiKeys.create({ tenantId: tenant.id, name: 'browser', kind: 'publishable' });
  return { created: true, tenantId: tenant.id, secretKey: secret.plaintext, publishableKey: publishable.plaintext };
}
