import { TesseraError } from '../errors.js';
import type { Tenant } from '../store/index.js';
import { claimAtPath, type ExternalTokenVerifier } from '../tokens/index.js';
import type { IdentitySettings } from '../tenancy/index.js';
import type { ReplayGuard } from './replay-guard.js';

export interface AssertedIdentity {
  /** The customer's own user id. */
  userId: string;
  name: string | null;
}

const MAX_USER_ID_CHARS = 256;

const MAX_JTI_CHARS = 256;

/**
 * Verifies an identity token minted by the customer's own app (Watson, Zendesk,
 * Intercom style) with the tenant's configured key, and reads who it names from
 * the configured claim paths. A token with a `jti` is accepted once (on any node, until it
 * expires), so a token seen by someone else cannot sign in a second session; a tenant
 * with `identity.requireJti` refuses tokens without one.
 */
export async function verifyIdentityToken(
  verifier: ExternalTokenVerifier,
  replayGuard: ReplayGuard,
  tenant: Tenant,
  token: string,
): Promise<AssertedIdentity> {
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
  await claimOnce(replayGuard, tenant, settings, payload);
  const name = settings.nameClaim ? claimAtPath(payload, settings.nameClaim) : undefined;
  return { userId: String(userId), name: typeof name === 'string' ? name.slice(0, 200) : null };
}

async function claimOnce(
  replayGuard: ReplayGuard,
  tenant: Tenant,
  settings: IdentitySettings,
  payload: Record<string, unknown>,
): Promise<void> {
  const jti = payload.jti;
  if (jti === undefined) {
    if (settings.requireJti) throw new TesseraError('INVALID_TOKEN', 'identity tokens of this tenant must carry a jti');
    return;
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_CHARS) {
    throw new TesseraError('INVALID_TOKEN', `identity token jti must be a string of 1 to ${MAX_JTI_CHARS} characters`);
  }
  // `exp` is always present: the verifier requires it.
  if (!(await replayGuard.claim(`idt:${tenant.id}:${jti}`, (payload.exp as number) * 1000))) {
    throw new TesseraError('INVALID_TOKEN', 'identity token was already used');
  }
}
