import type { Tenant } from '../store/index.js';
import { agentSettingsOf } from '../tenancy/index.js';
import type { ToolTokenInput, ToolTokens } from '../tokens/index.js';
import type { LiveToken, LiveTokens } from './live-tokens.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 token type of an access token (`typ: at+jwt`). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 8693 token type of a tool token (`typ: tessera-tool+jwt`), the only type exchange issues. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** RFC 6749 / RFC 8693 error codes a token request can be refused with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_target';

/** An expected refusal: data, not an exception (the edge answers 400 `{error, error_description}`). */
export interface OAuthRefusal {
  error: OAuthErrorCode;
  description: string;
}

/** A token exchange request's parameters, as sent (form fields); repeatable ones as lists. */
export interface ExchangeRequest {
  grant_type?: string;
  subject_token?: string;
  subject_token_type?: string;
  requested_token_type?: string;
  actor_token?: string;
  audience?: readonly string[];
  resource?: readonly string[];
  scope?: string;
}

export interface ExchangedToken {
  accessToken: string;
  issuedTokenType: typeof JWT_TOKEN_TYPE;
  tokenType: 'Bearer';
  expiresInSeconds: number;
  scope: string;
}

export interface TokenExchangeDeps {
  liveTokens: LiveTokens;
  toolTokens: ToolTokens;
  clock: { now(): number };
}

const refuse = (error: OAuthErrorCode, description: string): OAuthRefusal => ({ error, description });

/**
 * RFC 8693 token exchange: a customer backend (key `keyId` of `tenant`) trades a live access
 * token or tool token of one of the tenant's sessions for a new tool token of the same session,
 * person and sign-in (`sub`, `uid`, `sid`, `ver`, `auth_time`, `amr` kept). Never wider: the
 * scope is a subset of what the subject has and the tenant still grants, the audience is the
 * tenant's tool audience, and the token lives no longer than a tool token subject did. What
 * cannot be granted exactly as asked is refused, never silently narrowed.
 */
export class TokenExchange {
  constructor(private readonly deps: TokenExchangeDeps) {}

  async exchange(tenant: Tenant, keyId: string, request: ExchangeRequest): Promise<ExchangedToken | OAuthRefusal> {
    if (!request.grant_type) return refuse('invalid_request', 'grant_type is required');
    if (request.grant_type !== TOKEN_EXCHANGE_GRANT) return refuse('unsupported_grant_type', `only ${TOKEN_EXCHANGE_GRANT} is supported`);
    if (!request.subject_token) return refuse('invalid_request', 'subject_token is required');
    if (!request.subject_token_type) return refuse('invalid_request', 'subject_token_type is required');
    if (request.subject_token_type !== ACCESS_TOKEN_TYPE && request.subject_token_type !== JWT_TOKEN_TYPE) {
      return refuse('invalid_request', `subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`);
    }
    if (request.actor_token !== undefined) return refuse('invalid_request', 'actor_token (delegation) is not supported');
    if (request.requested_token_type !== undefined && request.requested_token_type !== JWT_TOKEN_TYPE) {
      return refuse('invalid_request', `requested_token_type must be ${JWT_TOKEN_TYPE}`);
    }
    if (request.scope !== undefined && request.scope.trim() === '') return refuse('invalid_request', 'scope is empty');

    const settings = agentSettingsOf(tenant);
    const targets = [...(request.audience ?? []), ...(request.resource ?? [])];
    const otherTarget = targets.find((target) => target !== settings.toolAudience);
    if (otherTarget !== undefined)
      return refuse('invalid_target', `tokens are only issued for the tenant's tool audience, not ${otherTarget}`);

    const subject =
      request.subject_token_type === ACCESS_TOKEN_TYPE
        ? await this.deps.liveTokens.access(request.subject_token, tenant.id)
        : await this.deps.liveTokens.tool(request.subject_token, tenant.id);
    if (!subject) return refuse('invalid_grant', 'subject_token is invalid, expired, revoked or not of this tenant');
    if (subject.kind === 'tool' && subject.claims.aud !== settings.toolAudience) {
      return refuse('invalid_grant', "subject_token was issued for another audience than the tenant's tool audience");
    }

    const granted = this.grantable(subject, subject.session.userId ? settings.scopes.user : settings.scopes.anonymous);
    const requested = request.scope === undefined ? granted.subject : scopeSet(request.scope);
    const beyond = [...requested].filter((scope) => !granted.allowed.has(scope));
    if (beyond.length > 0) return refuse('invalid_scope', `scope beyond what the subject token may have: ${beyond.join(' ')}`);

    const scope = [...requested].join(' ');
    const now = this.deps.clock.now();
    // A tool token subject cannot be stretched: its successor expires no later than it does.
    const ttlSeconds = subject.kind === 'tool' ? subject.claims.exp - Math.floor(now / 1000) : undefined;
    const { token, claims } = this.deps.toolTokens.sign(this.successorOf(subject, settings.toolAudience, scope, keyId), now, ttlSeconds);
    return {
      accessToken: token,
      issuedTokenType: JWT_TOKEN_TYPE,
      tokenType: 'Bearer',
      expiresInSeconds: claims.exp - claims.iat,
      scope,
    };
  }

  /**
   * The subject's own scope (a tool token's `scope`; for an access token, all the tenant grants
   * the session's state) and what may be asked for: that, within what the tenant grants now.
   */
  private grantable(subject: LiveToken, tenantScopes: readonly string[]): { subject: Set<string>; allowed: Set<string> } {
    const tenant = new Set(tenantScopes);
    if (subject.kind === 'access') return { subject: tenant, allowed: tenant };
    const own = scopeSet(typeof subject.claims.scope === 'string' ? subject.claims.scope : '');
    return { subject: own, allowed: new Set([...own].filter((scope) => tenant.has(scope))) };
  }

  private successorOf(subject: LiveToken, audience: string, scope: string, keyId: string): ToolTokenInput {
    const { claims } = subject;
    return {
      aud: audience,
      sub: claims.sub,
      ...(claims.uid !== undefined ? { uid: claims.uid } : {}),
      sid: claims.sid,
      ver: claims.ver,
      ...(subject.kind === 'tool' && subject.claims.cid !== undefined ? { cid: subject.claims.cid } : {}),
      scope,
      act: { sub: 'agent' },
      client_id: keyId,
      ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
      ...(claims.amr !== undefined ? { amr: claims.amr } : {}),
    };
  }
}

/** A space-separated scope string as a set of scope tokens (RFC 6749 §3.3). */
function scopeSet(scope: string): Set<string> {
  return new Set(scope.split(' ').filter((token) => token.length > 0));
}
