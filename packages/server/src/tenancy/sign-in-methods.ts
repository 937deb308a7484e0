import type { Tenant } from '../store/index.js';
import { oauthSettingsOf } from './oauth-settings.js';

/** The ways a visitor of this tenant can sign in, as a sign-in card offers them (`oauth:{provider id}` per provider). */
export function signInMethodsOf(tenant: Tenant): string[] {
  const providers = oauthSettingsOf(tenant.settings).providers.map((provider) => `oauth:${provider.id}`);
  return [...(tenant.settings.identity ? ['password', 'jwt'] : ['password']), ...providers];
}
