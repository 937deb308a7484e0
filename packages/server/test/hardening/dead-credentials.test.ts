import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ManualClock, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

/** A superseded, rotated-away or revoked refresh token must be inert on every route, not only on refresh. */
describe('dead refresh tokens act for nothing', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  const logout = (refreshToken: string) => api(server, 'POST', '/v1/auth/logout', { body: { refreshToken } });
  const me = (accessToken: string) => api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${accessToken}` } });

  it('the anonymous refresh token of a session that signed in cannot log the signed-in session out', async () => {
    const anonymous = await startAnonymousSession(server);
    const linked = await api(server, 'POST', `/v1/sessions/${anonymous.session.id}/link`, {
      headers: { 'x-api-key': server.secretKey },
      body: { userId: 'victim', name: 'Victim' },
      origin: null,
    });
    expect(linked.status).toBe(201);

    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await logout(anonymous.refreshToken);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('INVALID_TOKEN');
    }
    expect((await me(linked.body.accessToken)).status).toBe(200);
  });

  it('a refresh token rotated away (past the grace) cannot log the session out; the current one can', async () => {
    const first = await startAnonymousSession(server);
    const rotated = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(rotated.status).toBe(200);
    clock.advance(11_000);

    const stale = await logout(first.refreshToken);
    expect(stale.status).toBe(401);
    expect((await me(rotated.body.accessToken)).status).toBe(200);

    expect((await logout(rotated.body.refreshToken)).status).toBe(204);
    expect((await me(rotated.body.accessToken)).body.error.code).toBe('SESSION_REVOKED');
  });

  it('within the refresh grace the parent still logs out (a second tab that has not seen the rotation)', async () => {
    const first = await startAnonymousSession(server);
    const rotated = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    clock.advance(2_000);
    expect((await logout(first.refreshToken)).status).toBe(204);
    expect((await me(rotated.body.accessToken)).body.error.code).toBe('SESSION_REVOKED');
  });

  it('the refresh token of a session already logged out is refused, not answered 204 again', async () => {
    const tokens = await startAnonymousSession(server);
    expect((await logout(tokens.refreshToken)).status).toBe(204);
    expect((await logout(tokens.refreshToken)).status).toBe(401);
  });
});
