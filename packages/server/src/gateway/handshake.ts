import type { IncomingMessage } from 'node:http';
import { BEARER_PROTOCOL_PREFIX } from '@tessera/protocol';
import { TesseraError } from '../errors.js';
import type { Services } from '../services.js';
import type { AuthContext, IssuedTokens } from '../sessions/index.js';
import type { Tenant } from '../store/index.js';
import { ACCESS_COOKIE, anonymousIdOf, parseCookies } from '../edge/cookies.js';

export type Credentials =
  | { kind: 'token'; token: string; via: 'subprotocol' | 'query' | 'cookie' }
  | { kind: 'publishable-key'; key: string }
  | { kind: 'init-token'; token: string }
  | { kind: 'none' };

/** Where a handshake's credentials are, in order of preference; `query` is null when the URL has none. */
export function credentialsOf(request: IncomingMessage, query: URLSearchParams | null): Credentials {
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const bearer = protocols.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (bearer) return { kind: 'token', token: bearer.slice(BEARER_PROTOCOL_PREFIX.length), via: 'subprotocol' };
  const token = query?.get('token');
  if (token) return { kind: 'token', token, via: 'query' };
  const init = query?.get('init');
  if (init) return { kind: 'init-token', token: init };
  const key = query?.get('key');
  const cookie = parseCookies(request.headers.cookie)[ACCESS_COOKIE];
  if (cookie) return { kind: 'token', token: cookie, via: 'cookie' };
  if (key) return { kind: 'publishable-key', key };
  return { kind: 'none' };
}

export type HandshakeOutcome =
  | { kind: 'authenticated'; auth: AuthContext; tenant: Tenant }
  | { kind: 'new-session'; issued: IssuedTokens; tenant: Tenant };

/**
 * Authenticates an upgrade request from `clientIp`. Throws ORIGIN_NOT_ALLOWED (refused
 * before the upgrade) or a token/key error (the socket is accepted, then closed with its code).
 */
export async function authenticateHandshake(
  services: Services,
  request: IncomingMessage,
  query: URLSearchParams | null,
  clientIp: string,
): Promise<HandshakeOutcome> {
  const { origins } = services;
  const origin = request.headers.origin;
  // An origin no tenant or partner allows is refused before any credential is looked at.
  await origins.assertKnown(origin);
  const credentials = credentialsOf(request, query);
  if (credentials.kind === 'token') {
    if (credentials.via === 'cookie' && origin === undefined) {
      throw new TesseraError('UNAUTHENTICATED', 'a cookie alone is not accepted without an Origin');
    }
    const auth = await services.sessions.verify(credentials.token);
    const tenant = await services.tenants.get(auth.session.tenantId);
    await origins.assertSessionOrigin(tenant, origin);
    return { kind: 'authenticated', auth, tenant };
  }
  if (credentials.kind === 'init-token') {
    // Only from the partner's own origins (ORIGIN_NOT_ALLOWED refuses the upgrade).
    const started = await services.initTokens.startSession(
      credentials.token,
      origin,
      clientIp,
      anonymousIdOf(request.headers.cookie, services.anonymousCookies),
    );
    return { kind: 'new-session', issued: started.issued, tenant: started.tenant };
  }
  if (credentials.kind === 'publishable-key') {
    const key = await services.apiKeyAccess.admit(credentials.key, 'publishable', { clientIp });
    const tenant = await services.tenants.get(key.tenantId);
    origins.assertTenantOrigin(tenant, origin);
    await services.visitorLimits.admitSessionStart(tenant, { clientIp, keyId: key.id });
    const issued = await services.sessions.startAnonymous(tenant, anonymousIdOf(request.headers.cookie, services.anonymousCookies));
    return { kind: 'new-session', issued, tenant };
  }
  throw new TesseraError('UNAUTHENTICATED', 'no credentials');
}
