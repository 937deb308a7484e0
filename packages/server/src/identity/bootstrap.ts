import type { Services } from '../services.js';

export interface InitResult {
  created: boolean;
  tenantId: string;
  /** Shown once, on creation only. */
  secretKey?: string;
  publishableKey?: string;
}

/** Creates the default tenant with an admin secret key and a publishable key; idempotent. */
export async function initialise(services: Services, allowedOrigins: string[]): Promise<InitResult> {
  const existing = await services.tenants.first();
  if (existing) return { created: false, tenantId: existing.id };
  const tenant = await services.tenants.create('default', allowedOrigins);
  const secret = await services.apiKeys.create({ tenantId: tenant.id, name: 'admin', kind: 'secret', scopes: ['admin'] });
  const publishable = await services.apiKeys.create({ tenantId: tenant.id, name: 'browser', kind: 'publishable' });
  return { created: true, tenantId: tenant.id, secretKey: secret.plaintext, publishableKey: publishable.plaintext };
}
