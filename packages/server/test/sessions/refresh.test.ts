import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import { api, connect, ManualClock, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

const refresh = (server: TestServer, refreshToken: string) => api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
const me = (server: TestServer, accessToken: string) =>
  api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${accessToken}` } });

describe('refresh-token rotation', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('rotates on every use: a new refresh token and a working access token each time', async () => {
    const start = await startAnonymousSession(server);
    const seen = new Set([start.refreshToken]);
    let current = start.refreshToken;
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      const response = await refresh(server, current);
      expect(response.status).toBe(200);
      expect(seen.has(response.body.refreshToken)).toBe(false);
      seen.add(response.body.refreshToken);
      current = response.body.refreshToken;
      expect(response.body.expiresAt).toBe(clock.now() - (clock.now() % 1000) + 15 * 60 * 1000);
      const check = await me(server, response.body.accessToken);
      expect(check.status).toBe(200);
      expect(check.body.session.id).toBe(start.session.id);
    }
  });

  it('pushes the idle expiry forward on refresh', async () => {
    const start = await startAnonymousSession(server);
    clock.advance(20 * 3600 * 1000);
    const first = await refresh(server, start.refreshToken);
    expect(first.status).toBe(200);
    clock.advance(20 * 3600 * 1000); // 40 h after start: alive only because the refresh renewed it
    const second = await refresh(server, first.body.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.session.expiresAt).toBe(clock.now() + 24 * 3600 * 1000);
  });

  it('returns the same current refresh token when the parent comes back within 10 s (two tabs)', async () => {
    const start = await startAnonymousSession(server);
    const first = await refresh(server, start.refreshToken);
    clock.advance(9_000);
    const again = await refresh(server, start.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body.refreshToken).toBe(first.body.refreshToken);
    expect((await me(server, again.body.accessToken)).status).toBe(200);
    // the current token still rotates normally afterwards
    const next = await refresh(server, first.body.refreshToken);
    expect(next.status).toBe(200);
    expect(next.body.refreshToken).not.toBe(first.body.refreshToken);
  });

  it('treats the parent after the grace window as theft: REFRESH_TOKEN_REUSED, and the whole session dies', async () => {
    const start = await startAnonymousSession(server);
    const socket = connect(server, { token: start.accessToken });
    await socket.nextOfType('ready');
    const first = await refresh(server, start.refreshToken);
    expect(first.status).toBe(200);
    clock.advance(10_001);

    const reuse = await refresh(server, start.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');

    expect(await socket.closed).toEqual({ code: 1008, reason: 'SESSION_REVOKED' });
    for (const accessToken of [start.accessToken, first.body.accessToken]) {
      const check = await me(server, accessToken);
      expect(check.status).toBe(401);
      expect(check.body.error.code).toBe('SESSION_REVOKED');
    }
    const current = await refresh(server, first.body.refreshToken);
    expect(current.status).toBe(401);
    expect(current.body.error.code).toBe('SESSION_REVOKED');
    const late = connect(server, { token: first.body.accessToken });
    expect(await late.closed).toEqual({ code: 1008, reason: 'SESSION_REVOKED' });
  });

  it('treats a grandparent as theft even within 10 s', async () => {
    const start = await startAnonymousSession(server);
    const child = await refresh(server, start.refreshToken);
    const grandchild = await refresh(server, child.body.refreshToken);
    expect(grandchild.status).toBe(200);
    clock.advance(1_000);
    const reuse = await refresh(server, start.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(server, grandchild.body.refreshToken)).body.error.code).toBe('SESSION_REVOKED');
    expect((await me(server, grandchild.body.accessToken)).body.error.code).toBe('SESSION_REVOKED');
  });

  it('refuses a forged refresh token (right id, wrong secret) without touching the session', async () => {
    const start = await startAnonymousSession(server);
    const [, id, secret] = /^(rt_[A-Za-z0-9]{20})_(.+)$/.exec(start.refreshToken)!;
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    for (const forged of [
      `${id}_${flipped}`,
      `${id}_${'A'.repeat(secret.length)}`,
      `${id}_`,
      'rt_garbage',
      'garbage',
      `${start.refreshToken}x`,
    ]) {
      const response = await refresh(server, forged);
      expect(response.status, forged).toBe(401);
      expect(response.body.error.code).toBe('INVALID_TOKEN');
    }
    // an attacker who only knows a token id cannot get the session revoked
    expect((await me(server, start.accessToken)).status).toBe(200);
    expect((await refresh(server, start.refreshToken)).status).toBe(200);
  });

  it('refuses a non-string refresh token with 400', async () => {
    const response = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: 42 } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('BAD_REQUEST');
  });

  it('ends a session at the absolute maximum of 30 days, however often it is refreshed', async () => {
    const start = await startAnonymousSession(server);
    const startedAt = clock.now();
    let current = start.refreshToken;
    let refreshes = 0;
    for (;;) {
      clock.advance(23 * 3600 * 1000);
      const response = await refresh(server, current);
      if (response.status !== 200) {
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('SESSION_REVOKED');
        break;
      }
      expect(response.body.session.expiresAt).toBeLessThanOrEqual(startedAt + 30 * 24 * 3600 * 1000);
      current = response.body.refreshToken;
      refreshes++;
    }
    expect(clock.now()).toBeGreaterThanOrEqual(startedAt + 30 * 24 * 3600 * 1000);
    expect(refreshes).toBe(Math.floor((30 * 24) / 23));
  });

  it('refuses the access token of a session that idled out, though the token itself has not expired', async () => {
    await server.app.services.tenants.updateSettings(server.tenantId, { sessions: { anonymousIdleSeconds: 60 } });
    try {
      const start = await startAnonymousSession(server);
      clock.advance(61_000);
      const check = await me(server, start.accessToken);
      expect(check.status).toBe(401);
      expect(check.body.error.code).toBe('SESSION_REVOKED');
      const socket = connect(server, { token: start.accessToken });
      expect(await socket.closed).toEqual({ code: 1008, reason: 'SESSION_REVOKED' });
    } finally {
      await server.app.services.tenants.updateSettings(server.tenantId, { sessions: { anonymousIdleSeconds: 24 * 3600 } });
    }
  });

  it('refuses the refresh token of an expired session', async () => {
    const start = await startAnonymousSession(server);
    clock.advance(24 * 3600 * 1000 + 1);
    const response = await refresh(server, start.refreshToken);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('SESSION_REVOKED');
  });
});

describe('concurrent refreshes of one token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('20 at once yield exactly one child, and every caller gets it', async () => {
    const start = await startAnonymousSession(server);
    const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(server, start.refreshToken)));
    for (const response of responses) expect(response.status).toBe(200);
    const tokens = new Set(responses.map((response) => response.body.refreshToken));
    expect(tokens.size).toBe(1);
    const [child] = tokens;
    expect(child).not.toBe(start.refreshToken);

    const db = inspectDatabase(server.dataDir);
    try {
      const rows = db.rows<{ id: string; parent_id: string | null; state: string }>(
        'select id, parent_id, state from refresh_tokens where session_id = ? order by created_at, parent_id nulls first',
        start.session.id,
      );
      expect(rows).toHaveLength(2);
      expect(rows.map((row) => row.state).sort()).toEqual(['current', 'rotated']);
      const current = rows.find((row) => row.state === 'current')!;
      expect(child.startsWith(`${current.id}_`)).toBe(true);
      expect(current.parent_id).toBe(rows.find((row) => row.state === 'rotated')!.id);
    } finally {
      db.close();
    }
    // and the one child works
    expect((await refresh(server, child)).status).toBe(200);
  });

  // Over HTTP on one SQLite connection the requests above mostly run one after the
  // other; here the 20 calls interleave at every await, so only an atomic claim passes.
  it('20 interleaved calls of the domain method (no HTTP in between to serialise them) yield one child', async () => {
    const start = await startAnonymousSession(server);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => server.app.services.sessions.refresh(start.refreshToken)));
    expect(results.map((result) => result.status)).toEqual(Array(20).fill('fulfilled'));
    const tokens = new Set(results.map((result) => (result as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken));
    expect(tokens.size).toBe(1);
    const db = inspectDatabase(server.dataDir);
    try {
      expect(db.count('refresh_tokens', 'session_id = ?', start.session.id)).toBe(2);
      expect(db.count('refresh_tokens', "session_id = ? and state = 'current'", start.session.id)).toBe(1);
    } finally {
      db.close();
    }
  });

  it('20 at once of the child, after a first rotation, still yield one grandchild and revoke nothing', async () => {
    const start = await startAnonymousSession(server);
    const child = (await refresh(server, start.refreshToken)).body.refreshToken;
    const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(server, child)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((response) => response.body.refreshToken)).size).toBe(1);
    expect((await me(server, responses[0].body.accessToken)).status).toBe(200);
  });
});
