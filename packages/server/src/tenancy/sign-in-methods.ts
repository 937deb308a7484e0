import type { Tenant } from '../store/index.js';

/** The ways a visitor of this tenant can sign in, as a sign-in card offers them. */
export function signInMethodsOf(tenant: Tenant): string[] {
  return tenant.settings.identity ? ['password', 'jwt'] : ['password'];
}
