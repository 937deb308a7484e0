import { TesseraError } from '../errors.js';
import type { Tenant } from '../store/index.js';
import { claimAtPath, type ExternalTokenVerifier } from '../tokens/index.js';
import type { IdentitySettings } from '../tenancy/index.js';

export interface AssertedIdentity {
  /** The customer's own user id. */
  userId: string;
  name: string | null;
}

const MAX_USER_ID_CHARS = 256;

/**
 * Verifies an identity token minted by the customer's own app (Watson, Zendesk,
 * Intercom style) with the tenant's configured key, and reads who it names from
 * the configured claim paths.
 */
export async function verifyIdentityToken(verifier: ExternalTokenVerifier, tenant: Tenant, token: string): Promise<AssertedIdentity> {
  const settings = tenant.settings.identity as IdentitySettings | null | undefined;
  if (!settings) throw new TesseraError('FORBIDDEN', 'identity tokens are not configured for this tenant');
  const payload = await verifier.verify(token, {
    verification: settings.verification,
    issuer: settings.issuer,
    audience: settings.audience,
  });
  const userId = claimAtPath(payload, settings.userIdClaim ?? 'sub');
  if (
    (typeof userId !== 'string' && typeof userId !== 'number') ||
    String(userId).length === 0 ||
    String(userId).length > MAX_USER_ID_CHARS
  ) {
    throw new TesseraError('INVALID_TOKEN', `identity token has no user id at ${settings.userIdClaim ?? 'sub'}`);
  }
  const name = settings.nameClaim ? claimAtPath(payload, settings.nameClaim) : undefined;
  return { userId: String(userId), name: typeof name === 'string' ? name.slice(0, 200) : null };
}
