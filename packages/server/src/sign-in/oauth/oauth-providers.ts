import type { SignInProviderInfo } from '@tessera/protocol';
import { TesseraError } from '../../errors.js';
import type { Tenant } from '../../store/index.js';
import { clientSecretContext, type OAuthProvider, oauthProviderOf, oauthSettingsOf, type SecretBox } from '../../tenancy/index.js';
import { githubClient } from './github-client.js';
import { oidcClient } from './oidc-client.js';
import type { ProviderClient } from './provider-client.js';

const MAX_CLIENTS = 1_000;

/**
 * The tenants' sign-in providers as clients, built once per provider configuration (so
 * discovery runs once) and rebuilt when the tenant changes it.
 */
export class OAuthProviders {
  private readonly clients = new Map<string, { provider: OAuthProvider; client: ProviderClient }>();
  private readonly insecureIssuers = new Set<string>();

  constructor(private readonly box: SecretBox) {}

  /** Lets one plain-http issuer through: the `--demo` provider on this machine, nothing else. */
  allowInsecureIssuer(issuer: string): void {
    this.insecureIssuers.add(issuer);
  }

  /** The providers a chat of this tenant can offer. */
  listFor(tenant: Tenant): SignInProviderInfo[] {
    return oauthSettingsOf(tenant.settings).providers.map((provider) => ({ id: provider.id, kind: provider.kind, name: provider.name }));
  }

  /** The tenant's provider `id` (NOT_FOUND when it has none by that id). */
  clientFor(tenant: Tenant, id: string): ProviderClient {
    const provider = oauthProviderOf(tenant, id);
    const key = `${tenant.id}:${id}`;
    const cached = this.clients.get(key);
    if (cached && cached.provider === provider) return cached.client;
    const client = this.build(tenant, provider);
    if (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
    this.clients.delete(key);
    this.clients.set(key, { provider, client });
    return client;
  }

  private build(tenant: Tenant, provider: OAuthProvider): ProviderClient {
    let clientSecret: string;
    try {
      clientSecret = this.box.open(provider.clientSecretSealed, clientSecretContext(tenant.id, provider.id));
    } catch (cause) {
      throw new TesseraError('UNAVAILABLE', `the client secret of provider ${provider.id} cannot be read on this server`, { cause });
    }
    if (provider.kind === 'github') return githubClient(provider, clientSecret, { insecure: false });
    return oidcClient(provider, clientSecret, { insecure: this.insecureIssuers.has(provider.issuer) });
  }
}
