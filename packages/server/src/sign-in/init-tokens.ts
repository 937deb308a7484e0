import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { IssuedTokens, Sessions } from '../sessions/index.js';
import type { Partner, Tenant, User } from '../store/index.js';
import { type ExternalTokenVerifier, unverifiedClaims } from '../tokens/index.js';
import { avatarSchema, customClaimsProblem, externalUserIdSchema, userNameSchema } from './custom-claims.js';
import type { Partners } from '../tenancy/index.js';
import type { ReplayGuard } from './replay-guard.js';
import type { Tenants, VisitorLimits } from '../tenancy/index.js';
import type { Users } from '../tenancy/index.js';

/** The JOSE `typ` header of an init token: never `at+jwt`, so neither kind passes for the other. */
export const INIT_TOKEN_TYP = 'tessera-init+jwt';
/** An init token's `exp` may be at most this far ahead (and `exp - iat` at most this long). */
export const INIT_TOKEN_MAX_LIFETIME_SECONDS = 300;
/** Leeway for the partner's clock on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface InitTokenDeps {
  clock: Clock;
  partners: Partners;
  verifier: ExternalTokenVerifier;
  replayGuard: ReplayGuard;
  tenants: Tenants;
  users: Users;
  sessions: Sessions;
  visitorLimits: VisitorLimits;
}

export interface InitTokenOutcome {
  tenant: Tenant;
  partner: Partner;
  issued: IssuedTokens;
  /** Set when a trusted partner asserted the user: the session starts signed in. */
  user: User | null;
}

/**
 * Partner embedding: a partner's backend signs a short-lived, single-use init token
 * (`iss` = partner id, `aud` = tenant id, `typ` = tessera-init+jwt, a `jti`), its page
 * hands it to the widget, and the widget starts a session with it from one of the
 * partner's allowed origins. A `user` claim ({id, name?, avatar?, custom?}) is honoured
 * only for a partner trusted to assert users; for any other it is ignored.
 */
export class InitTokens {
  constructor(private readonly deps: InitTokenDeps) {}

  /** Within the tenant's per-address limit on new sessions from `clientIp` (RATE_LIMITED; the token is then spent). */
  async startSession(token: string, origin: string | undefined, clientIp: string, anonymousId?: string): Promise<InitTokenOutcome> {
    const { partner, payload } = await this.verify(token, origin);
    const tenant = await this.deps.tenants.get(partner.tenantId);
    await this.deps.visitorLimits.admitSessionStart(tenant, { clientIp });
    const asserted = partner.trustedToAssertUsers ? userContextOf(payload.user) : null;
    if (asserted) {
      const user = await this.deps.users.upsert(tenant.id, asserted.id, asserted.profile);
      return { tenant, partner, user, issued: await this.deps.sessions.startForUser(tenant, user, anonymousId, ['jwt']) };
    }
    return { tenant, partner, user: null, issued: await this.deps.sessions.startAnonymous(tenant, anonymousId) };
  }

  /**
   * Signature (the partner's key, its fixed algorithms), `typ`, `iss`, `aud`, lifetime,
   * then the Origin, then the one-time `jti`: a token that fails any check is not spent.
   */
  async verify(token: string, origin: string | undefined): Promise<{ partner: Partner; payload: Record<string, unknown> }> {
    const issuer = unverifiedClaims(token)?.iss;
    const partner =
      typeof issuer === 'string' && issuer.startsWith('ptn_') && issuer.length <= 64 ? await this.deps.partners.byId(issuer) : null;
    if (!partner) throw new TesseraError('INVALID_TOKEN', 'init token is not from a known partner');
    const payload = await this.deps.verifier.verify(token, {
      verification: partner.verification,
      issuer: partner.id,
      audience: partner.tenantId,
      typ: INIT_TOKEN_TYP,
      maxLifetimeSeconds: INIT_TOKEN_MAX_LIFETIME_SECONDS,
      requiredClaims: ['jti'],
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    });
    if (origin === undefined || !partner.allowedOrigins.includes(origin)) {
      throw new TesseraError('ORIGIN_NOT_ALLOWED', 'init tokens of this partner are accepted only from its allowed origins');
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
      throw new TesseraError('INVALID_TOKEN', 'init token jti must be a string of 1 to 256 characters');
    const expiresAt = (payload.exp as number) * 1000 + CLOCK_TOLERANCE_SECONDS * 1000;
    if (!(await this.deps.replayGuard.claim(`init:${partner.id}:${jti}`, expiresAt))) {
      throw new TesseraError('INVALID_TOKEN', 'init token was already used');
    }
    return { partner, payload };
  }
}

/** The asserted user of a trusted partner's token; a malformed one refuses the token. */
function userContextOf(
  claim: unknown,
): { id: string; profile: { name?: string | null; avatar?: string | null; custom?: Record<string, unknown> } } | null {
  if (claim === undefined || claim === null) return null;
  if (typeof claim !== 'object' || Array.isArray(claim)) throw malformed('user must be an object');
  const { id, name, avatar, custom } = claim as Record<string, unknown>;
  if (!externalUserIdSchema.safeParse(id).success) throw malformed('user.id must be a string of 1 to 256 characters');
  if (name !== undefined && name !== null && !userNameSchema.safeParse(name).success)
    throw malformed('user.name must be a string of 1 to 200 characters');
  if (avatar !== undefined && avatar !== null && !avatarSchema.safeParse(avatar).success)
    throw malformed('user.avatar must be an http(s) URL');
  if (custom !== undefined) {
    const problem = customClaimsProblem(custom);
    if (problem) throw malformed(`user.${problem}`);
  }
  return {
    id: id as string,
    profile: {
      ...(name !== undefined ? { name: name as string | null } : {}),
      ...(avatar !== undefined ? { avatar: avatar as string | null } : {}),
      ...(custom !== undefined ? { custom: custom as Record<string, unknown> } : {}),
    },
  };
}

function malformed(message: string): TesseraError {
  return new TesseraError('INVALID_TOKEN', `init token ${message}`);
}
