import type { FastifyRequest } from 'fastify';
import { TesseraError } from '../errors.js';
import type { Scope } from '../tenancy/index.js';
import type { Services } from '../services.js';
import type { AuthContext } from '../sessions/index.js';
import type { ApiKey, Tenant } from '../store/index.js';

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** A browser or app caller holding an access token (from an allowed origin, when it has one). */
export async function requireAccessToken(services: Services, request: FastifyRequest): Promise<AuthContext> {
  const token = bearerOf(request);
  if (!token || token.startsWith('sk_')) throw new TesseraError('UNAUTHENTICATED', 'bearer access token required');
  const auth = await services.sessions.verify(token);
  await services.origins.assertSessionOrigin(await services.tenants.get(auth.session.tenantId), request.headers.origin);
  return auth;
}

/** The caller's address: the socket's, or from X-Forwarded-For only when the peer is a trusted proxy. */
export function clientIpOf(request: FastifyRequest): string {
  return (request as unknown as { clientIp: string }).clientIp;
}

/**
 * A customer backend holding a secret key with `scope`, used from an address the key
 * allows, within its rate limit and spike guard (see tenancy/api-key-access.ts).
 */
export async function requireSecretKey(
  services: Services,
  request: FastifyRequest,
  scope: Scope,
): Promise<{ key: ApiKey; tenant: Tenant }> {
  const header = request.headers['x-api-key'];
  const presented = (Array.isArray(header) ? header[0] : header) ?? bearerOf(request);
  const key = await services.apiKeyAccess.admit(presented, 'secret', { clientIp: clientIpOf(request), scope });
  return { key, tenant: await services.tenants.get(key.tenantId) };
}

/** A browser naming its tenant with a publishable key, from an allowed origin. */
export async function requirePublishableKey(services: Services, request: FastifyRequest): Promise<Tenant> {
  return (await requirePublishableKeyOf(services, request)).tenant;
}

/** `requirePublishableKey`, with the key itself. */
export async function requirePublishableKeyOf(services: Services, request: FastifyRequest): Promise<{ key: ApiKey; tenant: Tenant }> {
  const header = request.headers['x-tessera-key'];
  const key = await services.apiKeyAccess.admit(Array.isArray(header) ? header[0] : header, 'publishable', {
    clientIp: clientIpOf(request),
  });
  const tenant = await services.tenants.get(key.tenantId);
  services.origins.assertTenantOrigin(tenant, request.headers.origin);
  return { key, tenant };
}
