import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

const IDENTITY_SECRET = 'customer-app-identity-secret-0123456789abcdef';

function identityToken(claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setIssuer('https://shop.example')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(IDENTITY_SECRET));
}

async function link(server: TestServer, token: string) {
  const session = await startAnonymousSession(server);
  return api(server, 'POST', '/v1/auth/link', {
    headers: { authorization: `Bearer ${session.accessToken}` },
    body: { method: 'jwt', token },
  });
}

describe('an identity token is accepted once', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      settings: { identity: { verification: { secret: IDENTITY_SECRET }, issuer: 'https://shop.example' } as never },
    });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('a token with a jti signs in one session; replayed on another session it is refused', async () => {
    const token = await identityToken({ sub: 'ada', jti: randomUUID() });
    expect((await link(server, token)).status).toBe(200);
    const replay = await link(server, token);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('INVALID_TOKEN');
  });

  it('a tenant that requires a jti refuses a token without one; others still take it', async () => {
    const bare = await identityToken({ sub: 'grace' });
    expect((await link(server, bare)).status).toBe(200);
    const admin = { headers: { 'x-api-key': server.secretKey }, origin: null };
    const current = (await api(server, 'GET', '/v1/settings', admin)).body.identity;
    const patched = await api(server, 'PATCH', '/v1/settings', {
      ...admin,
      body: { identity: { ...current, verification: { secret: IDENTITY_SECRET }, requireJti: true } },
    });
    expect(patched.status).toBe(200);
    const refused = await link(server, await identityToken({ sub: 'grace' }));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('INVALID_TOKEN');
    expect((await link(server, await identityToken({ sub: 'grace', jti: randomUUID() }))).status).toBe(200);
  });
});
