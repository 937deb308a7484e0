import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64url, decodeJwt, signEs256, withClaims } from '../support/tokens.js';
import { api, connect, ManualClock, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

const me = (server: TestServer, token: string) => api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });

/** Presents `token` over HTTP and over the socket; returns what each said. */
async function present(server: TestServer, token: string) {
  const http = await me(server, token);
  const socket = connect(server, { query: `token=${encodeURIComponent(token)}` });
  const closed = await socket.closed;
  return { status: http.status, code: http.body?.error?.code, close: closed, frames: socket.frames };
}

describe('access tokens: what we issue', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('carries the contract’s header and claims, and verifies with jose against our JWKS', async () => {
    const tokens = await startAnonymousSession(server);
    const { header, claims } = decodeJwt(tokens.accessToken);
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });

    const jwks = await api(server, 'GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toHaveLength(1);
    const [key] = jwks.body.keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', kid: header.kid, alg: 'ES256', use: 'sig' });
    expect(key.d).toBeUndefined(); // never the private part

    const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, createLocalJWKSet(jwks.body), {
      issuer: server.app.services.issuer.value,
      audience: server.tenantId,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.kid).toBe(header.kid);
    expect(payload).toEqual({
      iss: server.app.services.issuer.value,
      aud: server.tenantId,
      sub: tokens.session.anonymousId,
      sid: tokens.session.id,
      anon: tokens.session.anonymousId,
      auth: 'anonymous',
      ver: 1,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(tokens.expiresAt).toBe(claims.exp * 1000);
  });

  it('gives every token its own jti', async () => {
    const a = await startAnonymousSession(server);
    const b = await startAnonymousSession(server);
    expect(decodeJwt(a.accessToken).claims.jti).not.toBe(decodeJwt(b.accessToken).claims.jti);
  });
});

describe('access tokens: forgeries are refused with the contract’s codes', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let genuine: Awaited<ReturnType<typeof startAnonymousSession>>;
  let kid: string;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
    genuine = await startAnonymousSession(server);
    kid = decodeJwt(genuine.accessToken).header.kid;
  });
  afterAll(() => server.stop({ removeData: true }));

  const header = () => ({ alg: 'ES256', typ: 'at+jwt', kid });
  const claims = () => decodeJwt(genuine.accessToken).claims;
  /** Signed with our real signing key: only the claim checks stand in the way. */
  const ours = (h: Record<string, unknown>, c: Record<string, unknown>) =>
    signEs256(h, c, server.app.services.signingKeys.current.privateKey);

  const expectInvalid = async (token: string) => {
    const result = await present(server, token);
    expect(result.status).toBe(401);
    expect(result.code).toBe('INVALID_TOKEN');
    expect(result.close).toEqual({ code: 1008, reason: 'INVALID_TOKEN' });
    expect(result.frames).toEqual([]);
  };

  it('the genuine token works (so the refusals below are about the forgery)', async () => {
    expect((await me(server, genuine.accessToken)).status).toBe(200);
    const socket = connect(server, { token: genuine.accessToken });
    await socket.nextOfType('ready');
    socket.close();
  });

  it.each([
    ['garbage', 'garbage'],
    ['three dots of nothing', '..'],
    ['non-JSON parts', 'a.b.c'],
    ['two parts', `${b64url({ alg: 'ES256' })}.${b64url({ sid: 'x' })}`],
    ['four parts', 'a.b.c.d'],
    ['a JSON array header', `${b64url([1])}.${b64url({})}.AAAA`],
  ])('garbage: %s', async (_name, token) => {
    await expectInvalid(token);
  });

  it('alg: none, with and without our kid', async () => {
    await expectInvalid(`${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(claims())}.`);
    await expectInvalid(`${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims())}.`);
    await expectInvalid(`${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(claims())}`);
    await expectInvalid(`${b64url({ alg: 'ES256', typ: 'at+jwt', kid })}.${b64url(claims())}.`); // our alg, no signature
  });

  it('HS256 keyed with our public key (algorithm confusion)', async () => {
    const publicPem = server.app.services.signingKeys.current.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const input = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64url(claims())}`;
    await expectInvalid(`${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`);
  });

  it('signed by another ES256 key under our kid', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expectInvalid(signEs256(header(), claims(), attacker.privateKey));
    await expectInvalid(signEs256(header(), { ...claims(), auth: 'user', uid: 'admin', sub: 'usr_admin' }, attacker.privateKey));
  });

  it('tampered payload or header, original signature kept', async () => {
    const other = await startAnonymousSession(server);
    await expectInvalid(withClaims(genuine.accessToken, (c) => (c.sid = other.session.id)));
    await expectInvalid(withClaims(genuine.accessToken, (c) => Object.assign(c, { auth: 'user', uid: 'alice', sub: 'usr_alice' })));
    await expectInvalid(withClaims(genuine.accessToken, (c) => (c.exp += 3600)));
    const [, payload, signature] = genuine.accessToken.split('.');
    await expectInvalid(`${b64url({ ...header(), extra: 1 })}.${payload}.${signature}`);
    // another genuine token's signature spliced on
    await expectInvalid(`${genuine.accessToken.split('.').slice(0, 2).join('.')}.${other.accessToken.split('.')[2]}`);
    // a flipped signature bit
    const flipped = Buffer.from(signature, 'base64url');
    flipped[5] ^= 1;
    await expectInvalid(`${genuine.accessToken.split('.').slice(0, 2).join('.')}.${flipped.toString('base64url')}`);
  });

  it('an unknown kid, or our kid with another algorithm', async () => {
    await expectInvalid(ours({ ...header(), kid: 'kid_unknown' }, claims()));
    await expectInvalid(ours({ ...header(), alg: 'ES384' }, claims()));
    await expectInvalid(ours({ ...header(), alg: 'EdDSA' }, claims()));
    await expectInvalid(ours({ alg: 'ES256', typ: 'at+jwt' }, claims()));
  });

  it('claims that do not hold, even under our own signature', async () => {
    await expectInvalid(ours({ ...header(), typ: 'JWT' }, claims())); // not an access token (e.g. some other JWT of ours)
    await expectInvalid(ours({ alg: 'ES256', kid }, claims()));
    const { exp: _exp, ...noExp } = claims();
    await expectInvalid(ours(header(), noExp));
    await expectInvalid(ours(header(), { ...claims(), exp: String(claims().exp) }));
    await expectInvalid(ours(header(), { ...claims(), iss: 'someone-else' }));
    await expectInvalid(ours(header(), { ...claims(), aud: 'ten_someoneelse000000000' }));
    await expectInvalid(ours(header(), { ...claims(), ver: 0 }));
    await expectInvalid(ours(header(), { ...claims(), ver: '1' }));
    await expectInvalid(ours(header(), { ...claims(), sid: 'sess_doesnotexist0000000' }));
    const { sid: _sid, ...noSid } = claims();
    await expectInvalid(ours(header(), noSid));
  });

  it('an expired token: 401 TOKEN_EXPIRED over HTTP, close 4001 on the socket', async () => {
    const tokens = await startAnonymousSession(server);
    clock.advance(15 * 60 * 1000);
    const result = await present(server, tokens.accessToken);
    expect(result.status).toBe(401);
    expect(result.code).toBe('TOKEN_EXPIRED');
    expect(result.close).toEqual({ code: 4001, reason: 'TOKEN_EXPIRED' });
    // a tampered expired token is invalid, not merely expired
    await expectInvalid(withClaims(tokens.accessToken, (c) => (c.jti = 'x')));
    // and a refresh brings the session back
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect((await me(server, refreshed.body.accessToken)).status).toBe(200);
  });
});

describe('signing-key rotation', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('keeps the old public key published while its tokens live; old tokens keep verifying', async () => {
    const before = await startAnonymousSession(server);
    const oldKid = decodeJwt(before.accessToken).header.kid;
    const fresh = await server.app.services.signingKeys.rotate();
    expect(fresh.kid).not.toBe(oldKid);

    const jwks = (await api(server, 'GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys.map((key: any) => key.kid).sort()).toEqual([oldKid, fresh.kid].sort());
    for (const key of jwks.keys) expect(key.d).toBeUndefined();

    const after = await startAnonymousSession(server);
    expect(decodeJwt(after.accessToken).header.kid).toBe(fresh.kid);
    for (const token of [before.accessToken, after.accessToken]) {
      await jwtVerify(token, createLocalJWKSet(jwks), {
        audience: server.tenantId,
        issuer: server.app.services.issuer.value,
        typ: 'at+jwt',
      });
      expect((await me(server, token)).status).toBe(200);
    }
    const socket = connect(server, { token: before.accessToken });
    await socket.nextOfType('ready');
    socket.close();

    // once every token it signed has expired, the old key is no longer published
    clock.advance(3600 * 1000 + 1);
    const later = (await api(server, 'GET', '/.well-known/jwks.json')).body;
    expect(later.keys.map((key: any) => key.kid)).toEqual([fresh.kid]);
  });
});
