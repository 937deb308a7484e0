import { z } from 'zod';
import { TesseraError } from '../errors.js';
import type { Tenant, TenantSettings } from '../store/index.js';
import type { SecretBox } from './secret-box.js';

const providerId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1-32 of a-z, 0-9, _ and -, starting with a letter or digit');
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** https, or http on this machine (a local development provider; the client still refuses it unless told). */
const httpsUrl = z
  .string()
  .max(500)
  .refine((value) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    return url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)));
  }, 'must be an https URL');
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'must be an OAuth scope token');
const common = {
  id: providerId,
  /** What the sign-in button says: "Continue with {name}". */
  name: z.string().min(1).max(60).optional(),
  clientId: z.string().min(1).max(500),
  /** Needed for a new provider; left out, the stored one is kept. Never shown again. */
  clientSecret: z.string().min(1).max(2000).optional(),
};

const oidcProvider = z.object({ ...common, kind: z.literal('oidc'), issuer: httpsUrl, scopes: z.array(scope).max(20).optional() }).strict();
const githubProvider = z
  .object({
    ...common,
    kind: z.literal('github'),
    authorizationUrl: httpsUrl.optional(),
    tokenUrl: httpsUrl.optional(),
    apiUrl: httpsUrl.optional(),
  })
  .strict();

/** What `PATCH /v1/settings` accepts under `oauth`; `providers` replaces the list. */
export const oauthSettingsSchema = z
  .object({
    providers: z
      .array(z.discriminatedUnion('kind', [oidcProvider, githubProvider]))
      .max(20)
      .refine((providers) => new Set(providers.map((p) => p.id)).size === providers.length, 'provider ids must be unique'),
    /** A provider account joins an existing account of the same email only when the provider verified it and this is on. */
    linkByVerifiedEmail: z.boolean(),
  })
  .partial()
  .strict();

export type OAuthSettingsPatch = z.infer<typeof oauthSettingsSchema>;
type ProviderInput = NonNullable<OAuthSettingsPatch['providers']>[number];

/** A provider as stored: a name filled in, the client secret sealed. */
type Stored<T> = Omit<T, 'clientSecret' | 'name'> & { name: string; clientSecretSealed: string };
export type OidcProvider = Stored<z.infer<typeof oidcProvider>>;
export type GitHubProvider = Stored<z.infer<typeof githubProvider>>;
export type OAuthProvider = OidcProvider | GitHubProvider;

export interface OAuthSettings {
  providers: OAuthProvider[];
  linkByVerifiedEmail: boolean;
}

/** The tenant's OAuth settings, defaults filled in. */
export function oauthSettingsOf(settings: TenantSettings): OAuthSettings {
  const stored = (settings.oauth ?? {}) as Partial<OAuthSettings>;
  return { providers: stored.providers ?? [], linkByVerifiedEmail: stored.linkByVerifiedEmail ?? false };
}

export function oauthProviderOf(tenant: Tenant, id: string): OAuthProvider {
  const provider = oauthSettingsOf(tenant.settings).providers.find((candidate) => candidate.id === id);
  if (!provider) throw new TesseraError('NOT_FOUND', 'no such sign-in provider');
  return provider;
}

/** Where a provider's client secret is sealed: one context per tenant and provider. */
export const clientSecretContext = (tenantId: string, providerId: string) => `${tenantId}:oauth:${providerId}`;

/**
 * The `oauth` patch as it is stored: each new client secret sealed, each provider given
 * without one keeping the secret it had (a new provider without one is BAD_REQUEST).
 */
export function sealOAuthPatch(
  tenantId: string,
  current: TenantSettings,
  patch: OAuthSettingsPatch,
  box: SecretBox,
): Partial<OAuthSettings> {
  if (!patch.providers) return patch as Partial<OAuthSettings>;
  const before = oauthSettingsOf(current).providers;
  const providers = patch.providers.map(({ clientSecret, ...provider }): OAuthProvider => {
    const previous = before.find((candidate) => candidate.id === provider.id && candidate.kind === provider.kind);
    const clientSecretSealed =
      clientSecret !== undefined ? box.seal(clientSecret, clientSecretContext(tenantId, provider.id)) : previous?.clientSecretSealed;
    if (clientSecretSealed === undefined) throw new TesseraError('BAD_REQUEST', `provider ${provider.id} needs a clientSecret`);
    return { ...provider, name: provider.name ?? defaultName(provider), clientSecretSealed } as OAuthProvider;
  });
  return { ...patch, providers } as Partial<OAuthSettings>;
}

/** Settings as admins see them: providers listed, their secrets never. */
export function describeOAuthSettings(settings: OAuthSettings) {
  return {
    ...settings,
    providers: settings.providers.map(({ clientSecretSealed: _sealed, ...provider }) => ({ ...provider, clientSecret: '[set]' })),
  };
}

function defaultName(provider: Omit<ProviderInput, 'clientSecret'>): string {
  if (provider.kind === 'github') return 'GitHub';
  return provider.id.charAt(0).toUpperCase() + provider.id.slice(1);
}
