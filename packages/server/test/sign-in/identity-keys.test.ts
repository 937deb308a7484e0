import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

/** A tenant that verifies identity tokens with an RSA public key (Zendesk-style `external_id`). */
describe('identity tokens verified with a public key', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      settings: { identity: { verification: { publicKeyPem }, userIdClaim: 'external_id', nameClaim: 'name' } as never },
    });
  });
  afterAll(() => server.stop({ removeData: true }));

  const link = async (token: string) => {
    const session = await startAnonymousSession(server);
    const response = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${session.accessToken}` },
      body: { method: 'jwt', token },
    });
    return { session, response };
  };

  it('accepts an RS256 token and reads the Zendesk-style external_id', async () => {
    const token = await new SignJWT({ external_id: 'zd-42', name: 'Zed' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('2m')
      .sign(privateKey);
    const { response } = await link(token);
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ id: 'zd-42', name: 'Zed' });
  });

  it('rejects HS256 signed with the public key as the secret (algorithm confusion), session untouched', async () => {
    const token = await new SignJWT({ external_id: 'victim' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode(publicKeyPem));
    const { session, response } = await link(token);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('INVALID_TOKEN');
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.body.session.auth).toBe('anonymous');
  });

  it('rejects a token without exp', async () => {
    const token = await new SignJWT({ external_id: 'zd-42' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    const { response } = await link(token);
    expect(response.body.error.code).toBe('INVALID_TOKEN');
  });

  it('never shows the configured verification secret back, and rejects a weak one', async () => {
    const weak = await api(server, 'PATCH', '/v1/settings', {
      headers: { authorization: `Bearer ${server.secretKey}` },
      body: { identity: { verification: { secret: 'short' } } },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('BAD_REQUEST');
    const strong = 'a-long-enough-shared-secret-for-hs256-tokens!';
    const patched = await api(server, 'PATCH', '/v1/settings', {
      headers: { authorization: `Bearer ${server.secretKey}` },
      body: { identity: { verification: { secret: strong } } },
    });
    expect(patched.status).toBe(200);
    expect(JSON.stringify(patched.body)).not.toContain(strong);
    const shown = await api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${server.secretKey}` } });
    expect(JSON.stringify(shown.body)).not.toContain(strong);
    await api(server, 'PATCH', '/v1/settings', {
      headers: { authorization: `Bearer ${server.secretKey}` },
      body: { identity: { verification: { publicKeyPem }, userIdClaim: 'external_id', nameClaim: 'name' } },
    });
  });
});
