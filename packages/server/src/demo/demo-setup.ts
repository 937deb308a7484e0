import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../services.js';
import type { Tenant } from '../store/index.js';
import { type IdentitySettings, oauthSettingsOf } from '../tenancy/index.js';
import { loadServerSecret } from '../tokens/index.js';

/** The issuer of the demo shop's identity tokens. */
export const DEMO_ISSUER = 'tessera-demo-shop';

/** The demo OpenID provider: mounted at this path, known to the tenant as provider `demo`, its client `tessera-demo`. */
export const DEMO_OIDC_PATH = '/demo/oidc';
export const DEMO_OIDC_PROVIDER_ID = 'demo';
export const DEMO_OIDC_CLIENT_ID = 'tessera-demo';

/** The demo provider's client secret, kept in the data directory (the same on every start). */
export function demoOidcClientSecret(dataDir: string): string {
  return loadServerSecret(dataDir, 'demo-oidc').toString('base64url');
}

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
 * the tenant's identity settings (unless the tenant has its own), the demo OpenID provider
 * (at `{publicUrl}/demo/oidc`) among its sign-in providers, and a publishable key for the
 * demo pages. Null while the data directory has no tenant yet.
 */
export function prepareDemo(services: Services, publicUrl: string): Promise<DemoSetup | null> {
  let setup = prepared.get(services);
  if (!setup) {
    setup = prepare(services, publicUrl).then((result) => {
      if (!result) prepared.delete(services); // try again once initialised
      return result;
    });
    prepared.set(services, setup);
  }
  return setup;
}

async function prepare(services: Services, publicUrl: string): Promise<DemoSetup | null> {
  const tenant = await services.tenants.first();
  if (!tenant) return null;
  await registerDemoOidcProvider(services, tenant, `${publicUrl}${DEMO_OIDC_PATH}`);
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

/**
 * The demo provider among the tenant's sign-in providers, unless the tenant has its own `demo`;
 * ours is moved along when the issuer changed (another port). Its plain-http issuer is let through.
 */
async function registerDemoOidcProvider(services: Services, tenant: Tenant, issuer: string): Promise<void> {
  services.oauthProviders.allowInsecureIssuer(issuer);
  const { providers } = oauthSettingsOf(tenant.settings);
  const existing = providers.find((provider) => provider.id === DEMO_OIDC_PROVIDER_ID);
  const ours = existing?.kind === 'oidc' && existing.clientId === DEMO_OIDC_CLIENT_ID;
  if (existing && (!ours || existing.issuer === issuer)) return;
  const demo = {
    id: DEMO_OIDC_PROVIDER_ID,
    kind: 'oidc' as const,
    name: 'the demo provider',
    issuer,
    clientId: DEMO_OIDC_CLIENT_ID,
    clientSecret: demoOidcClientSecret(services.config.dataDir),
  };
  // The others as a patch gives them: without a clientSecret, each keeps its stored one.
  const others = providers
    .filter((provider) => provider.id !== DEMO_OIDC_PROVIDER_ID)
    .map(({ clientSecretSealed: _sealed, ...provider }) => provider);
  await services.tenants.updateSettings(tenant.id, { oauth: { providers: [...others, demo] } });
  services.logger.info({ issuer }, 'demo: the demo OpenID provider is a sign-in provider of the tenant (id demo)');
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
