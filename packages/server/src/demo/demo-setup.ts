import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../services.js';
import type { IdentitySettings } from '../tenancy/index.js';
import { loadServerSecret } from '../tokens/index.js';

/** The issuer of the demo shop's identity tokens. */
export const DEMO_ISSUER = 'tessera-demo-shop';

export interface DemoSetup {
  tenantId: string;
  /** A publishable key for the demo pages (kept in the data directory; publishable keys are public). */
  publishableKey: string;
  /** The demo shop signs identity tokens with this; the tenant's identity settings verify them. */
  identitySecret: string;
  /** False when the tenant already verifies identity tokens with its own key: the demo login cannot sign the chat in. */
  identityEnabled: boolean;
}

const prepared = new WeakMap<Services, Promise<DemoSetup | null>>();

/**
 * Idempotent demo preparation, once per node: the demo identity secret registered in
 * the tenant's identity settings (unless the tenant has its own), and a publishable
 * key for the demo pages. Null while the data directory has no tenant yet.
 */
export function prepareDemo(services: Services): Promise<DemoSetup | null> {
  let setup = prepared.get(services);
  if (!setup) {
    setup = prepare(services).then((result) => {
      if (!result) prepared.delete(services); // try again once initialised
      return result;
    });
    prepared.set(services, setup);
  }
  return setup;
}

async function prepare(services: Services): Promise<DemoSetup | null> {
  const tenant = await services.tenants.first();
  if (!tenant) return null;
  const identitySecret = loadServerSecret(services.config.dataDir, 'demo-identity').toString('base64url');
  const identity = tenant.settings.identity as IdentitySettings | null | undefined;
  let identityEnabled = true;
  if (!identity) {
    await services.tenants.updateSettings(tenant.id, {
      identity: {
        verification: { secret: identitySecret },
        issuer: DEMO_ISSUER,
        audience: tenant.id,
        userIdClaim: 'sub',
        nameClaim: 'name',
      },
    });
    services.logger.info('demo: identity tokens of the demo shop are now accepted (tenant identity settings)');
  } else if (!('secret' in identity.verification) || identity.verification.secret !== identitySecret || identity.issuer !== DEMO_ISSUER) {
    identityEnabled = false;
    services.logger.warn('demo: the tenant verifies identity tokens with its own key; the demo login will not sign the chat in');
  }
  return { tenantId: tenant.id, publishableKey: await demoPublishableKey(services, tenant.id), identitySecret, identityEnabled };
}

async function demoPublishableKey(services: Services, tenantId: string): Promise<string> {
  const dir = join(services.config.dataDir, 'demo');
  const path = join(dir, 'publishable-key');
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim();
    const key = await services.apiKeys.authenticate(stored, 'publishable').catch(() => null);
    if (key?.tenantId === tenantId) return stored;
  }
  const { plaintext } = await services.apiKeys.create({ tenantId, name: 'demo pages', kind: 'publishable' }, { actor: 'system' });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path, plaintext, { mode: 0o600 });
  return plaintext;
}
