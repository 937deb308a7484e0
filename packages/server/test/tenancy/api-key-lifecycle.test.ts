import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, ManualClock, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

/** A backend call with a secret key, from no browser. */
const call = (
  server: TestServer,
  key: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
) => api(server, method, path, { body: options.body, headers: { authorization: `Bearer ${key}`, ...options.headers }, origin: null });

async function createKey(server: TestServer, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const response = await call(server, server.secretKey, 'POST', '/v1/keys', { body: { kind: 'secret', ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

describe('API keys: scopes, allowlists, expiry, rotation, revocation, limits', () => {
  let server: TestServer;
  const clock = new ManualClock();
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('keeps the recognisable sk_/pk_ formats and shows the secret once', async () => {
    const created = await createKey(server, { name: 'format', scopes: ['users:read'] });
    expect(created.key).toMatch(/^sk_[A-Za-z0-9]{20}_[A-Za-z0-9]{32,}$/);
    expect(server.publishableKey).toMatch(/^pk_[A-Za-z0-9]{20}_/);
    const listed = await call(server, server.secretKey, 'GET', '/v1/keys');
    const mine = listed.body.keys.find((k: any) => k.id === created.id);
    expect(mine.prefix).toBe(created.key.split('_').slice(0, 2).join('_'));
    expect(JSON.stringify(listed.body)).not.toContain(created.key.split('_')[2]);
  });

  it('gives a secret key created without scopes tokens:write only, never admin', async () => {
    const created = await createKey(server, { name: 'no scopes given' });
    expect(created).toMatchObject({ kind: 'secret', scopes: ['tokens:write'] });
    const admin = await call(server, created.key, 'GET', '/v1/keys');
    expect(admin.status).toBe(403);
    const minted = await call(server, created.key, 'POST', '/v1/auth/tokens', { body: { userId: 'u-default-scope' } });
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
  });

  describe('scope escalation', () => {
    it('a tokens:write key cannot reach admin routes, nor mint itself an admin key', async () => {
      const { key } = await createKey(server, { name: 'minter', scopes: ['tokens:write'] });
      const attempts: Array<[string, string, unknown?]> = [
        ['GET', '/v1/keys'],
        ['POST', '/v1/keys', { name: 'escalated', kind: 'secret', scopes: ['admin'] }],
        ['POST', `/v1/keys/key_${'a'.repeat(20)}/rotate`, {}],
        ['DELETE', `/v1/keys/key_${'a'.repeat(20)}`],
        ['GET', '/v1/settings'],
        ['PATCH', '/v1/settings', { allowedOrigins: ['https://evil.example'] }],
        ['POST', '/v1/partners', { name: 'evil', allowedOrigins: ['https://evil.example'], verification: { secret: 'x'.repeat(40) } }],
        ['GET', '/v1/partners'],
        ['GET', '/v1/audit'],
        ['DELETE', '/v1/sessions/sess_x'],
        ['GET', '/v1/users/u1/sessions'],
        ['DELETE', '/v1/users/u1'],
      ];
      for (const [method, path, body] of attempts) {
        const response = await call(server, key, method, path, { body });
        expect(`${method} ${path} ${response.status} ${response.body?.error?.code}`).toBe(`${method} ${path} 403 FORBIDDEN`);
      }
      const keys = await call(server, server.secretKey, 'GET', '/v1/keys');
      expect(keys.body.keys.map((k: any) => k.name)).not.toContain('escalated');
      const settings = await call(server, server.secretKey, 'GET', '/v1/settings');
      expect(settings.body.allowedOrigins).not.toContain('https://evil.example');
      // What it may do, it can.
      expect((await call(server, key, 'POST', '/v1/auth/tokens', { body: { userId: 'scoped-user' } })).status).toBe(201);
    });

    it('a users:read key cannot delete users or sessions, nor mint tokens', async () => {
      const minted = await call(server, server.secretKey, 'POST', '/v1/auth/tokens', { body: { userId: 'victim' } });
      const { key } = await createKey(server, { name: 'reader', scopes: ['users:read'] });
      expect((await call(server, key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      for (const [method, path, body] of [
        ['DELETE', '/v1/users/victim'],
        ['DELETE', `/v1/sessions/${minted.body.session.id}`],
        ['POST', `/v1/sessions/${minted.body.session.id}/link`, { userId: 'attacker' }],
        ['POST', '/v1/auth/tokens', { userId: 'victim' }],
      ] as const) {
        const response = await call(server, key, method, path, { body });
        expect(`${method} ${path} ${response.status} ${response.body?.error?.code}`).toBe(`${method} ${path} 403 FORBIDDEN`);
      }
      const sessions = await call(server, server.secretKey, 'GET', '/v1/users/victim/sessions');
      expect(sessions.body.sessions).toHaveLength(1);
      expect(sessions.body.sessions[0].active).toBe(true);
    });

    it('a publishable key, an access token or garbage is never a secret key; a secret key is never an access token', async () => {
      const anonymous = await startAnonymousSession(server);
      for (const credential of [server.publishableKey, anonymous.accessToken, 'sk_nope', `${server.secretKey}x`]) {
        const response = await call(server, credential, 'GET', '/v1/users/victim/sessions');
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('INVALID_API_KEY');
      }
      const viaHeader = await api(server, 'GET', '/v1/users/victim/sessions', {
        headers: { 'x-api-key': server.publishableKey },
        origin: null,
      });
      expect(viaHeader.body.error.code).toBe('INVALID_API_KEY');
      const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${server.secretKey}` } });
      expect(me.status).toBe(401);
      // A secret key does not stand in for a publishable one either.
      const session = await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': server.secretKey }, body: {} });
      expect(session.body.error.code).toBe('INVALID_API_KEY');
    });

    it('accepts the key in X-API-Key as well as in Authorization', async () => {
      const response = await api(server, 'GET', '/v1/keys', { headers: { 'x-api-key': server.secretKey }, origin: null });
      expect(response.status).toBe(200);
    });
  });

  describe('IP allowlists', () => {
    it('refuses well-formed-looking but invalid entries at creation', async () => {
      for (const allowedIps of [['10.0.0.0/33'], ['not-an-ip'], ['10.0.0.1/8/1'], ['::1/129'], []]) {
        const response = await call(server, server.secretKey, 'POST', '/v1/keys', { body: { name: 'bad', kind: 'secret', allowedIps } });
        expect(response.status, JSON.stringify(allowedIps)).toBe(400);
        expect(response.body.error.code).toBe('BAD_REQUEST');
      }
    });

    it("admits callers inside the key's CIDR blocks and refuses the rest (FORBIDDEN)", async () => {
      const inside = await createKey(server, { name: 'loopback only', scopes: ['users:read'], allowedIps: ['127.0.0.0/8', '::1'] });
      const outside = await createKey(server, { name: 'office only', scopes: ['users:read'], allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
      expect((await call(server, inside.key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      const refused = await call(server, outside.key, 'GET', '/v1/users/victim/sessions');
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('127.0.0.1') });
    });

    it('a spoofed X-Forwarded-For from an untrusted peer changes nothing', async () => {
      const office = await createKey(server, { name: 'office', scopes: ['users:read'], allowedIps: ['10.0.0.0/8'] });
      for (const spoofed of ['10.1.2.3', '10.1.2.3, 10.9.9.9', '127.0.0.1, 10.1.2.3']) {
        const response = await call(server, office.key, 'GET', '/v1/users/victim/sessions', {
          headers: { 'x-forwarded-for': spoofed, 'x-real-ip': '10.1.2.3' },
        });
        expect(response.status, spoofed).toBe(403);
      }
    });
  });

  describe('expiry, rotation and revocation', () => {
    it('an expired key answers INVALID_API_KEY; an expiry in the past is refused', async () => {
      const { key } = await createKey(server, { name: 'short-lived', scopes: ['users:read'], expiresAt: clock.now() + 60_000 });
      expect((await call(server, key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      clock.advance(60_001);
      const expired = await call(server, key, 'GET', '/v1/users/victim/sessions');
      expect(expired.status).toBe(401);
      expect(expired.body.error.code).toBe('INVALID_API_KEY');
      const past = await call(server, server.secretKey, 'POST', '/v1/keys', {
        body: { name: 'past', kind: 'secret', expiresAt: clock.now() - 1 },
      });
      expect(past.status).toBe(400);
    });

    it('a rotated key works until its grace ends, then INVALID_API_KEY; the new key keeps its powers', async () => {
      const old = await createKey(server, { name: 'rotating', scopes: ['users:read'] });
      const rotated = await call(server, server.secretKey, 'POST', `/v1/keys/${old.id}/rotate`, { body: { graceSeconds: 300 } });
      expect(rotated.status).toBe(201);
      expect(rotated.body.key).toMatch(/^sk_/);
      expect(rotated.body.scopes).toEqual(['users:read']);
      expect(rotated.body.id).not.toBe(old.id);

      clock.advance(299_000);
      expect((await call(server, old.key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      clock.advance(1_001);
      const after = await call(server, old.key, 'GET', '/v1/users/victim/sessions');
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('INVALID_API_KEY');
      expect((await call(server, rotated.body.key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      expect((await call(server, rotated.body.key, 'DELETE', '/v1/users/victim')).status).toBe(403);

      // Rotating the old key again (e.g. a leaked admin key racing the owner) is a conflict.
      const again = await call(server, server.secretKey, 'POST', `/v1/keys/${old.id}/rotate`, {});
      expect(again.status).toBe(409);
    });

    it('rotation without grace retires the old key at once; concurrent rotations mint exactly one key', async () => {
      const old = await createKey(server, { name: 'instant', scopes: ['users:read'] });
      const results = await Promise.all([1, 2, 3].map(() => call(server, server.secretKey, 'POST', `/v1/keys/${old.id}/rotate`)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      expect((await call(server, old.key, 'GET', '/v1/users/victim/sessions')).status).toBe(401);
      const listed = await call(server, server.secretKey, 'GET', '/v1/keys');
      const live = listed.body.keys.filter((k: any) => k.name === 'instant' && k.revokedAt === null && k.id !== old.id);
      expect(live).toHaveLength(1);
    });

    it('a revoked key fails on the very next request', async () => {
      const { id, key } = await createKey(server, { name: 'to revoke', scopes: ['users:read'] });
      expect((await call(server, key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      expect((await call(server, server.secretKey, 'DELETE', `/v1/keys/${id}`)).status).toBe(204);
      const next = await call(server, key, 'GET', '/v1/users/victim/sessions');
      expect(next.status).toBe(401);
      expect(next.body.error.code).toBe('INVALID_API_KEY');
      // Revoking again is harmless; a key of nobody's is NOT_FOUND.
      expect((await call(server, server.secretKey, 'DELETE', `/v1/keys/${id}`)).status).toBe(204);
      expect((await call(server, server.secretKey, 'DELETE', `/v1/keys/key_${'z'.repeat(20)}`)).status).toBe(404);
    });

    it('a revoked publishable key stops starting sessions at once', async () => {
      const created = await call(server, server.secretKey, 'POST', '/v1/keys', { body: { name: 'widget', kind: 'publishable' } });
      const start = () => api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': created.body.key }, body: {} });
      expect((await start()).status).toBe(201);
      await call(server, server.secretKey, 'DELETE', `/v1/keys/${created.body.id}`);
      expect((await start()).body.error.code).toBe('INVALID_API_KEY');
    });

    it('records lastUsedAt', async () => {
      const { id, key } = await createKey(server, { name: 'used', scopes: ['users:read'] });
      const before = (await call(server, server.secretKey, 'GET', '/v1/keys')).body.keys.find((k: any) => k.id === id);
      expect(before.lastUsedAt).toBeNull();
      await call(server, key, 'GET', '/v1/users/victim/sessions');
      await eventually(async () => {
        const after = (await call(server, server.secretKey, 'GET', '/v1/keys')).body.keys.find((k: any) => k.id === id);
        return after.lastUsedAt === clock.now();
      });
    });
  });

  describe('per-key rate limit', () => {
    it('answers 429 RATE_LIMITED with Retry-After past the limit; other keys are unaffected', async () => {
      const limited = await createKey(server, { name: 'limited', scopes: ['users:read'], rateLimitPerMinute: 3 });
      const other = await createKey(server, { name: 'other', scopes: ['users:read'] });
      for (let i = 0; i < 3; i++) expect((await call(server, limited.key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
      const over = await call(server, limited.key, 'GET', '/v1/users/victim/sessions');
      expect(over.status).toBe(429);
      expect(over.body.error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(over.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await call(server, other.key, 'GET', '/v1/users/victim/sessions')).status).toBe(200);
    });
  });
});

describe('trusted proxies: X-Forwarded-For is believed only from them', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { trustProxy: ['127.0.0.1', '::1'] } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('takes the client address from a trusted proxy, and the right-most untrusted hop, not a spoofed first one', async () => {
    const created = await call(server, server.secretKey, 'POST', '/v1/keys', {
      body: { name: 'office', kind: 'secret', scopes: ['users:read'], allowedIps: ['10.0.0.0/8'] },
    });
    const key = created.body.key;
    const via = (xff?: string) => call(server, key, 'GET', '/v1/users/nobody/sessions', { headers: xff ? { 'x-forwarded-for': xff } : {} });
    // The proxy (127.0.0.1, trusted) says the client is 10.1.2.3: allowed (404: no such user, but past the key checks).
    expect((await via('10.1.2.3')).status).toBe(404);
    // The client sent "X-Forwarded-For: 10.1.2.3" itself and the proxy appended its real address.
    const spoofed = await via('10.1.2.3, 203.0.113.9');
    expect(spoofed.status).toBe(403);
    expect(spoofed.body.error.message).toContain('203.0.113.9');
    // The proxy itself, with no header: its own address, not in the list.
    expect((await via()).status).toBe(403);
  });
});

describe('spike guard: a key whose rate jumps far above its own baseline is throttled', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.UTC(2030, 0, 1, 12, 0, 0));
  beforeAll(async () => {
    clock.set(Math.floor(Date.now() / 60_000) * 60_000);
    server = await startTestServer({
      config: { clock, apiKeyLimits: { spike: { factor: 5, floorPerMinute: 20, warmupMinutes: 3, smoothing: 0.5, throttleSeconds: 120 } } },
    });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('throttles the burst of a compromised key (429, audited) while a normal key is unaffected', async () => {
    const [suspect, normal] = await Promise.all(
      ['suspect', 'normal'].map(
        async (name) =>
          (await call(server, server.secretKey, 'POST', '/v1/keys', { body: { name, kind: 'secret', scopes: ['users:read'] } })).body,
      ),
    );
    await call(server, server.secretKey, 'POST', '/v1/auth/tokens', { body: { userId: 'u1' } });
    const read = (key: string) => call(server, key, 'GET', '/v1/users/u1/sessions');

    // Four quiet minutes: 3 requests a minute each.
    for (let minute = 0; minute < 4; minute++) {
      for (let i = 0; i < 3; i++) {
        expect((await read(suspect.key)).status).toBe(200);
        expect((await read(normal.key)).status).toBe(200);
      }
      clock.advance(60_000);
    }

    // The burst: the threshold is max(5 × 3, 20) = 20 a minute.
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof read>> | undefined;
    for (let i = 0; i < 30; i++) {
      const response = await read(suspect.key);
      statuses.push(response.status);
      if (response.status === 429) throttled ??= response;
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(throttled!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(throttled!.headers.get('retry-after'))).toBe(120);

    // The normal key goes on as usual, in the same minute.
    for (let i = 0; i < 3; i++) expect((await read(normal.key)).status).toBe(200);

    // Audited once, by the system, with the numbers and no secret.
    const audit = await call(server, server.secretKey, 'GET', '/v1/audit?action=key.throttled');
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'system',
      action: 'key.throttled',
      target: suspect.id,
      details: { reason: 'spike', requestsThisMinute: 21, baselinePerMinute: 3, thresholdPerMinute: 20, throttledForSeconds: 120 },
    });
    expect(JSON.stringify(audit.body)).not.toContain(suspect.key);

    // Still throttled in the next minute; free again once the throttle ends.
    clock.advance(60_000);
    expect((await read(suspect.key)).status).toBe(429);
    clock.advance(60_001);
    expect((await read(suspect.key)).status).toBe(200);
  });
});
