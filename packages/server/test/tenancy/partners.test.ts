import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, ORIGIN, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';
import { b64url, decodeJwt, signEs256 } from '../support/tokens.js';

const PARTNER_ORIGIN = 'https://partner.example';
const OTHER_ORIGIN = 'https://other-partner.example';
const SECRET = 'partner-shared-secret-0123456789-abcdefghij';
const TRUSTED_SECRET = 'trusted-partner-secret-9876543210-zyxwvuts';
const TYP = 'tessera-init+jwt';

function signHs256(header: Record<string, unknown>, claims: Record<string, unknown>, secret = SECRET): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const admin = (server: TestServer, method: string, path: string, body?: unknown) =>
  api(server, method, path, { body, headers: { authorization: `Bearer ${server.secretKey}` }, origin: null });

async function addPartner(server: TestServer, body: Record<string, unknown>) {
  const response = await admin(server, 'POST', '/v1/partners', {
    name: 'Partner',
    allowedOrigins: [PARTNER_ORIGIN],
    verification: { secret: SECRET },
    ...body,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as {
    id: string;
    name: string;
    allowedOrigins: string[];
    verification: Record<string, string>;
    trustedToAssertUsers: boolean;
  };
}

describe('partners and init tokens', () => {
  let server: TestServer;
  let partner: { id: string };
  let trusted: { id: string };
  const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let ecPartner: { id: string };

  const claims = (overrides: Record<string, unknown> = {}, who: { id: string } = partner) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: who.id, aud: server.tenantId, iat: now, exp: now + 120, jti: randomUUID(), ...overrides };
  };
  const initToken = (overrides: Record<string, unknown> = {}, who: { id: string } = partner) =>
    signHs256({ alg: 'HS256', typ: TYP }, claims(overrides, who), who === trusted ? TRUSTED_SECRET : SECRET);
  const startWith = (token: string, origin: string | null = PARTNER_ORIGIN, headers: Record<string, string> = {}) =>
    api(server, 'POST', '/v1/sessions', { body: { initToken: token }, origin, headers });

  beforeAll(async () => {
    server = await startTestServer();
    partner = await addPartner(server, { name: 'Blog network' });
    trusted = await addPartner(server, {
      name: 'Sister shop',
      allowedOrigins: [OTHER_ORIGIN],
      verification: { secret: TRUSTED_SECRET },
      trustedToAssertUsers: true,
    });
    ecPartner = await addPartner(server, {
      name: 'EC partner',
      verification: { publicKeyPem: ecKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
  });
  afterAll(() => server.stop({ removeData: true }));

  describe('POST/GET/DELETE /v1/partners', () => {
    it('creates ptn_ partners and never shows a shared secret again', async () => {
      const listed = await admin(server, 'GET', '/v1/partners');
      expect(listed.status).toBe(200);
      const mine = listed.body.partners.find((p: any) => p.id === partner.id);
      expect(mine).toMatchObject({
        name: 'Blog network',
        allowedOrigins: [PARTNER_ORIGIN],
        verification: { secret: '[set]' },
        trustedToAssertUsers: false,
      });
      expect(partner.id).toMatch(/^ptn_[A-Za-z0-9]{20}$/);
      expect(JSON.stringify(listed.body)).not.toContain(SECRET);
      expect((await admin(server, 'GET', `/v1/partners/${trusted.id}`)).body.trustedToAssertUsers).toBe(true);
    });

    it('refuses weak or wrong verification settings and non-origins', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      for (const body of [
        { verification: { secret: 'short' } },
        { verification: { secret: SECRET, jwksUrl: 'https://x.example/jwks' } },
        { verification: { publicKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } },
        { verification: { jwksUrl: 'ftp://x.example/jwks' } },
        { allowedOrigins: ['https://partner.example/path'] },
        { allowedOrigins: ['*'] },
        { allowedOrigins: [] },
      ]) {
        const response = await admin(server, 'POST', '/v1/partners', {
          name: 'bad',
          allowedOrigins: [PARTNER_ORIGIN],
          verification: { secret: SECRET },
          ...body,
        });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.body.error.code).toBe('BAD_REQUEST');
      }
    });

    it('removing a partner stops its init tokens at once', async () => {
      const doomed = await addPartner(server, { name: 'Doomed' });
      const token = () => initToken({}, doomed);
      expect((await startWith(token())).status).toBe(201);
      expect((await admin(server, 'DELETE', `/v1/partners/${doomed.id}`)).status).toBe(204);
      const after = await startWith(token());
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('INVALID_TOKEN');
      expect((await admin(server, 'DELETE', `/v1/partners/${doomed.id}`)).status).toBe(404);
    });
  });

  describe('POST /v1/sessions {initToken}', () => {
    it("starts an anonymous session from the partner's origin, with no publishable key", async () => {
      const response = await startWith(initToken());
      expect(response.status).toBe(201);
      expect(response.body.session).toMatchObject({ auth: 'anonymous', tenantId: server.tenantId });
      expect(response.body.user).toBeUndefined();
      // The session lives on the partner's page: its token works from there.
      const me = await api(server, 'GET', '/v1/me', {
        headers: { authorization: `Bearer ${response.body.accessToken}` },
        origin: PARTNER_ORIGIN,
      });
      expect(me.status).toBe(200);
      const refreshed = await api(server, 'POST', '/v1/auth/refresh', {
        body: { refreshToken: response.body.refreshToken },
        origin: PARTNER_ORIGIN,
      });
      expect(refreshed.status).toBe(200);
    });

    it('verifies partners that registered a public key (ES256)', async () => {
      const token = signEs256({ alg: 'ES256', typ: TYP }, claims({}, ecPartner), ecKeys.privateKey);
      expect((await startWith(token)).status).toBe(201);
      // The same claims under HS256 with the public key as the "secret" (algorithm confusion): refused.
      const pem = ecKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const confused = signHs256({ alg: 'HS256', typ: TYP }, claims({}, ecPartner), pem);
      expect((await startWith(confused)).body.error.code).toBe('INVALID_TOKEN');
    });

    it('refuses a replayed init token (jti is single-use), even when replayed concurrently', async () => {
      const token = initToken();
      expect((await startWith(token)).status).toBe(201);
      const replay = await startWith(token);
      expect(replay.status).toBe(401);
      expect(replay.body.error).toEqual({ code: 'INVALID_TOKEN', message: expect.stringContaining('already used') });

      const fresh = initToken();
      const results = await Promise.all([1, 2, 3, 4].map(() => startWith(fresh)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 401, 401, 401]);
    });

    it('refuses an expired init token and one living longer than 5 minutes', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const [why, overrides] of [
        ['expired', { iat: now - 400, exp: now - 100 }],
        ['exp 10 minutes ahead', { exp: now + 600 }],
        ['exp - iat over 5 minutes', { iat: now - 200, exp: now + 200 }],
        ['no exp', { exp: undefined }],
      ] as const) {
        const response = await startWith(initToken(overrides));
        expect(`${why}: ${response.status} ${response.body.error?.code}`).toBe(`${why}: 401 INVALID_TOKEN`);
      }
    });

    it('refuses init tokens from a foreign origin, or with no origin, without spending them', async () => {
      const token = initToken();
      for (const origin of [ORIGIN, OTHER_ORIGIN, 'https://partner.example.evil.com', 'http://partner.example', null]) {
        const response = await startWith(token, origin);
        expect(`${origin}: ${response.status} ${response.body.error?.code}`).toBe(`${origin}: 403 ORIGIN_NOT_ALLOWED`);
      }
      expect((await startWith(token)).status).toBe(201);
    });

    it('refuses a wrong audience, a wrong issuer, a wrong type, a missing jti, a bad signature and alg none', async () => {
      const cases: Array<[string, string]> = [
        ['audience of another tenant', initToken({ aud: 'ten_AAAAAAAAAAAAAAAAAAAA' })],
        ['no audience', initToken({ aud: undefined })],
        ["another partner's iss, our key", initToken({ iss: trusted.id })],
        ['unknown partner', initToken({ iss: 'ptn_AAAAAAAAAAAAAAAAAAAA' })],
        ['typ JWT', signHs256({ alg: 'HS256', typ: 'JWT' }, claims())],
        ['no typ', signHs256({ alg: 'HS256' }, claims())],
        ['typ at+jwt', signHs256({ alg: 'HS256', typ: 'at+jwt' }, claims())],
        ['no jti', initToken({ jti: undefined })],
        ['wrong secret', signHs256({ alg: 'HS256', typ: TYP }, claims(), 'another-secret-another-secret-another-secret')],
        ['alg none', `${b64url({ alg: 'none', typ: TYP })}.${b64url(claims())}.`],
        ['alg none with a signature', `${b64url({ alg: 'none', typ: TYP })}.${b64url(claims())}.${'A'.repeat(43)}`],
        ['embedded jwk', signHs256({ alg: 'HS256', typ: TYP, jwk: { kty: 'oct', k: b64url('x') } }, claims())],
        ['garbage', 'not.a.token'],
      ];
      for (const [why, token] of cases) {
        const response = await startWith(token);
        expect(`${why}: ${response.status} ${response.body.error?.code}`).toBe(`${why}: 401 INVALID_TOKEN`);
      }
    });

    it('an init token is never an access token, and an access token is never an init token', async () => {
      const token = initToken();
      const asAccess = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` }, origin: PARTNER_ORIGIN });
      expect(asAccess.status).toBe(401);
      expect(asAccess.body.error.code).toBe('INVALID_TOKEN');
      const socket = connect(server, { token, origin: PARTNER_ORIGIN });
      expect((await socket.closed).code).toBe(1008);
      // Not spent by those attempts.
      expect((await startWith(token)).status).toBe(201);

      const anonymous = await startAnonymousSession(server);
      const asInit = await startWith(anonymous.accessToken, ORIGIN);
      expect(asInit.status).toBe(401);
      expect(asInit.body.error.code).toBe('INVALID_TOKEN');
      const viaSocket = connect(server, { query: `init=${encodeURIComponent(anonymous.accessToken)}`, origin: PARTNER_ORIGIN });
      expect((await viaSocket.closed).code).toBe(1008);
    });

    it("ignores an untrusted partner's user context: the session stays anonymous and no user is created", async () => {
      const response = await startWith(initToken({ user: { id: 'ceo@victim.example', name: 'The CEO', custom: { role: 'admin' } } }));
      expect(response.status).toBe(201);
      expect(response.body.session).toMatchObject({ auth: 'anonymous', userId: null });
      expect(decodeJwt(response.body.accessToken).claims).not.toHaveProperty('uid');
      expect(decodeJwt(response.body.accessToken).claims).not.toHaveProperty('custom');
      const sessions = await admin(server, 'GET', `/v1/users/${encodeURIComponent('ceo@victim.example')}/sessions`);
      expect(sessions.status).toBe(404);
    });

    it("honours a trusted partner's user context: the session starts signed in", async () => {
      const token = initToken({ user: { id: 'shopper-7', name: 'Ada', custom: { tier: 'gold' } } }, trusted);
      const response = await startWith(token, OTHER_ORIGIN);
      expect(response.status).toBe(201);
      expect(response.body.session).toMatchObject({ auth: 'user', userId: 'shopper-7' });
      expect(response.body.user).toEqual({ id: 'shopper-7', name: 'Ada', avatar: null, custom: { tier: 'gold' } });
      expect(decodeJwt(response.body.accessToken).claims).toMatchObject({ uid: 'shopper-7', auth: 'user', custom: { tier: 'gold' } });
      const me = await api(server, 'GET', '/v1/me', {
        headers: { authorization: `Bearer ${response.body.accessToken}` },
        origin: OTHER_ORIGIN,
      });
      expect(me.body).toMatchObject({ user: { id: 'shopper-7' }, custom: { tier: 'gold' } });

      const malformed = await startWith(initToken({ user: { id: 'x', custom: ['not', 'an', 'object'] } }, trusted), OTHER_ORIGIN);
      expect(malformed.body.error.code).toBe('INVALID_TOKEN');
    });

    it('answers CORS preflights from partner origins', async () => {
      const response = await fetch(`${server.url}/v1/sessions`, {
        method: 'OPTIONS',
        headers: { origin: PARTNER_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(PARTNER_ORIGIN);
      const stranger = await fetch(`${server.url}/v1/sessions`, { method: 'OPTIONS', headers: { origin: 'https://stranger.example' } });
      expect(stranger.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });

  describe('WebSocket ?init=', () => {
    it("opens a new session from the partner's origin", async () => {
      const socket = connect(server, { query: `init=${initToken()}`, origin: PARTNER_ORIGIN });
      const first = await socket.nextOfType('session');
      expect(first.session).toMatchObject({ auth: 'anonymous', tenantId: server.tenantId });
      await socket.roundTrip();
      socket.close();
    });

    it('refuses the upgrade (403) from a foreign origin', async () => {
      const socket = connect(server, { query: `init=${initToken()}`, origin: ORIGIN });
      expect(await socket.refusedStatus()).toBe(403);
    });

    it('closes with 1008 on a replayed or expired init token', async () => {
      const token = initToken();
      const first = connect(server, { query: `init=${token}`, origin: PARTNER_ORIGIN });
      await first.nextOfType('session');
      const replay = connect(server, { query: `init=${token}`, origin: PARTNER_ORIGIN });
      expect(await replay.closed).toEqual({ code: 1008, reason: 'INVALID_TOKEN' });
      const now = Math.floor(Date.now() / 1000);
      const expired = connect(server, { query: `init=${initToken({ iat: now - 300, exp: now - 60 })}`, origin: PARTNER_ORIGIN });
      expect((await expired.closed).code).toBe(1008);
      first.close();
    });

    it("a trusted partner's user session is ready as the user", async () => {
      const socket = connect(server, {
        query: `init=${initToken({ user: { id: 'shopper-8', name: 'Bo' } }, trusted)}`,
        origin: OTHER_ORIGIN,
      });
      const first = await socket.nextOfType('session');
      expect(first.session).toMatchObject({ auth: 'user' });
      socket.send({ type: 'message', id: 'm1', content: 'who am i' });
      const reply = await socket.nextOfType('message');
      expect(reply.content).toContain('shopper-8');
      socket.close();
    });
  });
});
