import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, ORIGIN, setCookie, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';
import { ORIGIN_LOOK_ALIKES as LOOK_ALIKES } from '../support/test-server.js';

describe('POST /v1/sessions: anonymous sessions over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  const start = (options: { cookie?: string; body?: unknown; origin?: string | null; key?: string } = {}) =>
    api(server, 'POST', '/v1/sessions', {
      headers: { 'x-tessera-key': options.key ?? server.publishableKey, ...(options.cookie ? { cookie: options.cookie } : {}) },
      body: options.body ?? {},
      origin: options.origin,
    });

  it('starts an anonymous session and returns tokens in the body', async () => {
    const response = await start();
    expect(response.status).toBe(201);
    const { accessToken, refreshToken, expiresAt, session } = response.body;
    expect(accessToken.split('.')).toHaveLength(3);
    expect(refreshToken).toMatch(/^rt_[A-Za-z0-9]{20}_[A-Za-z0-9_-]{32,}$/);
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(session).toMatchObject({ auth: 'anonymous', userId: null, tenantId: server.tenantId, ver: 1 });
    expect(session.id).toMatch(/^sess_/);
    expect(session.anonymousId).toMatch(/^anon_/);

    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ session: { id: session.id, anonymousId: session.anonymousId, auth: 'anonymous' }, user: null });
  });

  it('starts a session from a native app: no Origin and no body at all', async () => {
    const response = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers: { 'x-tessera-key': server.publishableKey } });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body.refreshToken).toMatch(/^rt_/);
    const refreshed = await fetch(`${server.url}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: body.refreshToken }),
    });
    expect(refreshed.status).toBe(200);
  });

  it('sets the tessera_anon cookie httpOnly for 45 days, and keeps the anonymous id when it comes back', async () => {
    const first = await start();
    const cookie = setCookie(first.headers, 'tessera_anon');
    // the anonymous id, sealed with the server's MAC
    expect(cookie?.value).toMatch(new RegExp(`^${first.body.session.anonymousId}\\.[A-Za-z0-9_-]{43}$`));
    expect(cookie?.attributes).toContain('HttpOnly');
    expect(cookie?.attributes).toContain(`Max-Age=${45 * 24 * 3600}`);

    const second = await start({ cookie: `tessera_anon=${cookie!.value}` });
    expect(second.status).toBe(201);
    expect(second.body.session.anonymousId).toBe(first.body.session.anonymousId);
    expect(second.body.session.id).not.toBe(first.body.session.id);
    // renewed on every visit
    expect(setCookie(second.headers, 'tessera_anon')?.value).toBe(cookie!.value);
  });

  it('ignores a tessera_anon cookie that is not an anonymous id', async () => {
    const response = await start({ cookie: 'tessera_anon=usr_aaaaaaaaaaaaaaaaaaaa' });
    expect(response.status).toBe(201);
    expect(response.body.session.anonymousId).toMatch(/^anon_[A-Za-z0-9]{20}$/);
  });

  it('with tokenTransport "cookie", the refresh token travels only in an httpOnly cookie', async () => {
    const response = await start({ body: { tokenTransport: 'cookie' } });
    expect(response.status).toBe(201);
    expect(response.body.refreshToken).toBeUndefined();
    expect(JSON.stringify(response.body)).not.toMatch(/rt_/);
    const refresh = setCookie(response.headers, 'tessera_rt');
    expect(refresh?.value).toMatch(/^rt_/);
    expect(refresh?.attributes).toContain('HttpOnly');
    expect(refresh?.attributes).toContain('Path=/v1/auth');
    expect(refresh?.attributes).toContain('SameSite=Strict');
  });

  it('refreshes with the refresh cookie only with X-Tessera-CSRF: 1 and an allowed Origin', async () => {
    const started = await start({ body: { tokenTransport: 'cookie' } });
    const refreshCookie = `tessera_rt=${setCookie(started.headers, 'tessera_rt')!.value}`;

    const noCsrf = await api(server, 'POST', '/v1/auth/refresh', { headers: { cookie: refreshCookie } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('FORBIDDEN');

    const wrongCsrf = await api(server, 'POST', '/v1/auth/refresh', { headers: { cookie: refreshCookie, 'x-tessera-csrf': 'yes' } });
    expect(wrongCsrf.status).toBe(403);

    const noOrigin = await api(server, 'POST', '/v1/auth/refresh', {
      headers: { cookie: refreshCookie, 'x-tessera-csrf': '1' },
      origin: null,
    });
    expect(noOrigin.status).toBe(401);
    expect(noOrigin.body.error.code).toBe('UNAUTHENTICATED');

    const evil = await api(server, 'POST', '/v1/auth/refresh', {
      headers: { cookie: refreshCookie, 'x-tessera-csrf': '1' },
      origin: 'http://evil.com',
    });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe('ORIGIN_NOT_ALLOWED');

    // None of the refused attempts used the token up.
    const ok = await api(server, 'POST', '/v1/auth/refresh', { headers: { cookie: refreshCookie, 'x-tessera-csrf': '1' } });
    expect(ok.status).toBe(200);
    expect(ok.body.refreshToken).toBeUndefined();
    expect(ok.body.accessToken).toBeTruthy();
    const rotated = setCookie(ok.headers, 'tessera_rt');
    expect(rotated?.value).toMatch(/^rt_/);
    expect(rotated?.value).not.toBe(setCookie(started.headers, 'tessera_rt')!.value);

    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${ok.body.accessToken}` } });
    expect(me.body.session.id).toBe(started.body.session.id);
  });

  it('refuses a refresh with no token at all', async () => {
    const response = await api(server, 'POST', '/v1/auth/refresh', { body: {} });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a body refresh token from a foreign origin, but accepts it with no Origin (native app)', async () => {
    const { refreshToken } = await startAnonymousSession(server);
    const evil = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken }, origin: 'http://evil.com' });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe('ORIGIN_NOT_ALLOWED');
    const native = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken }, origin: null });
    expect(native.status).toBe(200);
    expect(native.body.refreshToken).toMatch(/^rt_/);
  });

  for (const origin of LOOK_ALIKES) {
    it(`refuses POST /v1/sessions from ${origin} with 403 ORIGIN_NOT_ALLOWED and starts nothing`, async () => {
      const response = await start({ origin });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('ORIGIN_NOT_ALLOWED');
      expect(response.body.accessToken).toBeUndefined();
      expect(setCookie(response.headers, 'tessera_anon')).toBeNull();
      // The page may read its refusal (so the SDK can say why), never with credentials.
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });
  }

  it('lets only allowed origins make credentialed calls; an unknown origin passes the preflight without credentials', async () => {
    const allowed = await fetch(`${server.url}/v1/sessions`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-tessera-key' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await fetch(`${server.url}/v1/sessions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000.evil.com', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    // Its calls then carry no cookie, and only a refusal is readable by it.
    const refused = await fetch(`${server.url}/v1/auth/providers`, {
      headers: { origin: 'http://localhost:3000.evil.com', 'x-tessera-key': server.publishableKey },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://localhost:3000.evil.com');
    expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await refused.json()).error.code).toBe('ORIGIN_NOT_ALLOWED');
    const health = await fetch(`${server.url}/healthz`, { headers: { origin: 'http://localhost:3000.evil.com' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a missing, malformed, unknown or secret key with INVALID_API_KEY', async () => {
    const bodies = [];
    for (const key of [
      '',
      'pk_nope',
      `pk_${'a'.repeat(20)}_${'b'.repeat(32)}`,
      server.secretKey,
      // one character off (never the same one: a key may end in x)
      `${server.publishableKey.slice(0, -1)}${server.publishableKey.endsWith('x') ? 'y' : 'x'}`,
    ]) {
      const response = await start({ key });
      expect(response.status).toBe(401);
      bodies.push(response.body);
    }
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    expect(bodies[0].error.code).toBe('INVALID_API_KEY');
  });

  it('refuses a bad body with 400 BAD_REQUEST', async () => {
    const response = await start({ body: { tokenTransport: 'carrier-pigeon' } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('BAD_REQUEST');
  });

  it('refuses GET /v1/me from a foreign origin even with a valid token', async () => {
    const { accessToken } = await startAnonymousSession(server);
    const response = await api(server, 'GET', '/v1/me', {
      headers: { authorization: `Bearer ${accessToken}` },
      origin: 'http://localhost:3000.evil.com',
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('refuses GET /v1/me without a bearer token, or with a secret key as one', async () => {
    const none = await api(server, 'GET', '/v1/me');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const secret = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${server.secretKey}` } });
    expect(secret.status).toBe(401);
  });
});

describe('POST /v1/auth/logout', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('with the access token: 204, every socket of the session closes with 1000, the tokens stop working', async () => {
    const tokens = await startAnonymousSession(server);
    const sockets = [connect(server, { token: tokens.accessToken }), connect(server, { token: tokens.accessToken })];
    for (const socket of sockets) await socket.nextOfType('ready');
    const bystander = await startAnonymousSession(server);
    const other = connect(server, { token: bystander.accessToken });
    await other.nextOfType('ready');

    const response = await api(server, 'POST', '/v1/auth/logout', { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(response.status).toBe(204);
    for (const socket of sockets) expect(await socket.closed).toEqual({ code: 1000, reason: 'LOGGED_OUT' });

    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('SESSION_REVOKED');
    const refresh = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error.code).toBe('SESSION_REVOKED');

    const reconnect = connect(server, { token: tokens.accessToken });
    expect(await reconnect.closed).toEqual({ code: 1008, reason: 'SESSION_REVOKED' });

    // another session is untouched
    await other.roundTrip();
    other.close();
  });

  it('with the refresh token in the body', async () => {
    const tokens = await startAnonymousSession(server);
    const response = await api(server, 'POST', '/v1/auth/logout', { body: { refreshToken: tokens.refreshToken } });
    expect(response.status).toBe(204);
    const refresh = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(refresh.status).toBe(401);
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.body.error.code).toBe('SESSION_REVOKED');
  });

  it('with the refresh cookie needs the CSRF header, and clears the cookies', async () => {
    const started = await api(server, 'POST', '/v1/sessions', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { tokenTransport: 'cookie' },
    });
    const cookie = `tessera_rt=${setCookie(started.headers, 'tessera_rt')!.value}`;
    const forged = await api(server, 'POST', '/v1/auth/logout', { headers: { cookie } });
    expect(forged.status).toBe(403);
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${started.body.accessToken}` } });
    expect(me.status).toBe(200);

    const response = await api(server, 'POST', '/v1/auth/logout', { headers: { cookie, 'x-tessera-csrf': '1' } });
    expect(response.status).toBe(204);
    expect(setCookie(response.headers, 'tessera_rt')?.value).toBe('');
    expect(setCookie(response.headers, 'tessera_rt')?.attributes).toContain('Max-Age=0');
    const after = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${started.body.accessToken}` } });
    expect(after.body.error.code).toBe('SESSION_REVOKED');
  });

  it('refuses a logout with nothing, or with a forged refresh token, and ends no session', async () => {
    const tokens = await startAnonymousSession(server);
    const none = await api(server, 'POST', '/v1/auth/logout', { body: {} });
    expect(none.status).toBe(401);
    const forgedSecret = tokens.refreshToken.slice(0, -4) + (tokens.refreshToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const forged = await api(server, 'POST', '/v1/auth/logout', { body: { refreshToken: forgedSecret } });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('INVALID_TOKEN');
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.status).toBe(200);
  });
});
