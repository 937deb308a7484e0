import type { Tenant } from '../store/index.js';
import { ACCESS_TOKEN_TYP, TOOL_TOKEN_TYP } from '../tokens/index.js';
import type { LiveTokens } from './live-tokens.js';

/**
 * An RFC 7662 introspection answer. `typ` (Tessera's extension) says which kind of token it is:
 * `at+jwt` (an access token) or `tessera-tool+jwt` (a tool token).
 */
export type Introspection =
  | { active: false }
  | {
      active: true;
      typ: typeof ACCESS_TOKEN_TYP | typeof TOOL_TOKEN_TYP;
      iss: string;
      sub: string;
      uid?: string;
      sid: string;
      aud: string;
      scope?: string;
      cid?: string;
      act?: { sub: string };
      client_id?: string;
      auth_time?: number;
      amr?: string[];
      iat: number;
      exp: number;
      jti: string;
    };

const INACTIVE = { active: false } as const;

/**
 * RFC 7662 token introspection for a tenant's backend: active only for a live access or
 * tool token of that tenant (genuine, unexpired, its session live and at the token's `ver`);
 * `{active: false}` for anything else, with no reason given: expired, forged, another
 * tenant's, its session revoked, logged out, linked away or erased.
 */
export class TokenIntrospection {
  constructor(private readonly liveTokens: LiveTokens) {}

  async introspect(tenant: Tenant, token: string): Promise<Introspection> {
    const live = await this.liveTokens.any(token, tenant.id);
    if (!live) return INACTIVE;
    const { claims } = live;
    const common = {
      active: true as const,
      iss: claims.iss,
      sub: claims.sub,
      ...(claims.uid !== undefined ? { uid: claims.uid } : {}),
      sid: claims.sid,
      aud: claims.aud,
      ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
      ...(claims.amr !== undefined ? { amr: claims.amr } : {}),
      iat: claims.iat,
      exp: claims.exp,
      jti: claims.jti,
    };
    if (live.kind === 'access') return { ...common, typ: ACCESS_TOKEN_TYP };
    return {
      ...common,
      typ: TOOL_TOKEN_TYP,
      scope: live.claims.scope,
      ...(live.claims.cid !== undefined ? { cid: live.claims.cid } : {}),
      act: live.claims.act,
      ...(live.claims.client_id !== undefined ? { client_id: live.claims.client_id } : {}),
    };
  }
}
