import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import { api, ManualClock, ORIGIN, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

describe('tenant settings and API keys (secret key, scope admin)', () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  const admin = (method: string, path: string, body?: unknown, key = server.secretKey) =>
    api(server, method, path, { headers: { authorization: `Bearer ${key}` }, body, origin: null });

  it('GET /v1/settings with the admin key (Authorization or X-API-Key) shows the defaults', async () => {
    for (const headers of [{ authorization: `Bearer ${server.secretKey}` }, { 'x-api-key': server.secretKey }]) {
      const response = await api(server, 'GET', '/v1/settings', { headers, origin: null });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        tenantId: server.tenantId,
        allowedOrigins: [ORIGIN],
        sessions: { anonymousIdleSeconds: 86400, userIdleSeconds: 7 * 86400, absoluteSeconds: 30 * 86400 },
        limits: { messagesPerMinute: 20 },
      });
    }
  });

  it('refuses every bad key with the same INVALID_API_KEY answer', async () => {
    const created = await admin('POST', '/v1/keys', { name: 'doomed', kind: 'secret', scopes: ['admin'] });
    expect(created.status).toBe(201);
    expect((await admin('DELETE', `/v1/keys/${created.body.id}`)).status).toBe(204);
    const [, id, secret] = /^sk_([A-Za-z0-9]{20})_(.+)$/.exec(server.secretKey)!;
    const candidates = {
      none: undefined,
      empty: '',
      malformed: 'sk_live_123',
      'unknown id': `sk_${'Q'.repeat(20)}_${secret}`,
      'wrong secret': `sk_${id}_${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`,
      'publishable key': server.publishableKey,
      'publishable prefix on a secret': `pk_${id}_${secret}`,
      revoked: created.body.key,
      'access token': (await startAnonymousSession(server)).accessToken,
    };
    const bodies: unknown[] = [];
    for (const [name, key] of Object.entries(candidates)) {
      const response = await api(server, 'GET', '/v1/settings', {
        headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
        origin: null,
      });
      expect(response.status, name).toBe(401);
      bodies.push(response.body);
    }
    for (const body of bodies) expect(body).toEqual({ error: { code: 'INVALID_API_KEY', message: expect.any(String) } });
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  });

  it('refuses a secret key without the admin scope with 403 FORBIDDEN', async () => {
    const limited = await admin('POST', '/v1/keys', { name: 'tokens only', kind: 'secret', scopes: ['tokens:write'] });
    expect(limited.status).toBe(201);
    const response = await admin('GET', '/v1/settings', undefined, limited.body.key);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
    expect((await admin('PATCH', '/v1/settings', { limits: { messagesPerMinute: 1 } }, limited.body.key)).status).toBe(403);
    expect((await admin('GET', '/v1/settings')).body.limits.messagesPerMinute).toBe(20);
  });

  it('PATCH merges one level deep, persists, and takes effect for new sessions', async () => {
    const patched = await admin('PATCH', '/v1/settings', {
      sessions: { anonymousIdleSeconds: 3600 },
      allowedOrigins: [ORIGIN, 'https://shop.example'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.sessions).toEqual({ anonymousIdleSeconds: 3600, userIdleSeconds: 7 * 86400, absoluteSeconds: 30 * 86400 });
    expect(patched.body.allowedOrigins).toEqual([ORIGIN, 'https://shop.example']);
    expect((await admin('GET', '/v1/settings')).body).toEqual(patched.body);

    const started = await startAnonymousSession(server);
    expect(started.session).toMatchObject({ expiresAt: clock.now() + 3600 * 1000 });
    const fromShop = await api(server, 'POST', '/v1/sessions', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: {},
      origin: 'https://shop.example',
    });
    expect(fromShop.status).toBe(201);
    await admin('PATCH', '/v1/settings', { sessions: { anonymousIdleSeconds: 86400 }, allowedOrigins: [ORIGIN] });
  });

  it.each([
    ['allowedOrigins not a list', { allowedOrigins: ORIGIN }],
    ['an origin with a path', { allowedOrigins: ['http://localhost:3000/app'] }],
    ['an origin with a trailing slash', { allowedOrigins: ['http://localhost:3000/'] }],
    ['an origin without scheme', { allowedOrigins: ['localhost:3000'] }],
    ['a wildcard origin', { allowedOrigins: ['*'] }],
    ['a non-http origin', { allowedOrigins: ['ftp://files.example'] }],
    ['a zero rate limit', { limits: { messagesPerMinute: 0 } }],
    ['a negative rate limit', { limits: { messagesPerMinute: -5 } }],
    ['a fractional rate limit', { limits: { messagesPerMinute: 1.5 } }],
    ['a string rate limit', { limits: { messagesPerMinute: '20' } }],
    ['an unknown field in limits', { limits: { messagesPerHour: 5 } }],
    ['a too-short idle expiry', { sessions: { anonymousIdleSeconds: 1 } }],
    ['sessions not an object', { sessions: 3600 }],
    ['a misspelt top-level field', { allowedOrigin: ['https://typo.example'] }],
    ['an array body', [{ limits: { messagesPerMinute: 5 } }]],
  ])('refuses %s with 400 BAD_REQUEST and changes nothing', async (_name, body) => {
    const before = (await admin('GET', '/v1/settings')).body;
    const response = await admin('PATCH', '/v1/settings', body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('BAD_REQUEST');
    expect((await admin('GET', '/v1/settings')).body).toEqual(before);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const response = await fetch(`${server.url}/v1/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/json' },
      body: '{"limits":',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('BAD_REQUEST');
  });

  it('keys: created once in plaintext, listed without secrets, rotated with a grace period, revoked', async () => {
    const created = await admin('POST', '/v1/keys', { name: 'backend', kind: 'secret', scopes: ['admin'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sk_[A-Za-z0-9]{20}_[A-Za-z0-9]{32,}$/);
    const secretPart = created.body.key.split('_')[2];

    const list = await admin('GET', '/v1/keys');
    expect(list.status).toBe(200);
    expect(list.body.keys.map((key: any) => key.id)).toContain(created.body.id);
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(secretPart);
    expect(listed).not.toMatch(/secretHash|secret_hash/);
    const db = inspectDatabase(server.dataDir);
    expect(db.count('api_keys', 'secret_hash = ?', secretPart)).toBe(0);
    expect(JSON.stringify(db.rows('select * from api_keys'))).not.toContain(secretPart);
    db.close();

    const rotated = await admin('POST', `/v1/keys/${created.body.id}/rotate`, { graceSeconds: 60 }, created.body.key);
    expect(rotated.status).toBe(201);
    expect(rotated.body.key).not.toBe(created.body.key);
    // both work during the grace period; after it, only the new one
    expect((await admin('GET', '/v1/settings', undefined, created.body.key)).status).toBe(200);
    expect((await admin('GET', '/v1/settings', undefined, rotated.body.key)).status).toBe(200);
    clock.advance(61_000);
    const old = await admin('GET', '/v1/settings', undefined, created.body.key);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('INVALID_API_KEY');
    expect((await admin('GET', '/v1/settings', undefined, rotated.body.key)).status).toBe(200);

    // a rotation without a body ends the old key at once
    const again = await admin('POST', `/v1/keys/${rotated.body.id}/rotate`);
    expect(again.status).toBe(201);
    expect((await admin('GET', '/v1/settings', undefined, rotated.body.key)).status).toBe(401);

    expect((await admin('DELETE', `/v1/keys/${again.body.id}`)).status).toBe(204);
    expect((await admin('GET', '/v1/settings', undefined, again.body.key)).body.error.code).toBe('INVALID_API_KEY');
  });

  it('revoking the publishable key stops new anonymous sessions at once', async () => {
    const created = await admin('POST', '/v1/keys', { name: 'widget', kind: 'publishable' });
    expect(created.body.key).toMatch(/^pk_/);
    const start = () => api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': created.body.key }, body: {} });
    expect((await start()).status).toBe(201);
    await admin('DELETE', `/v1/keys/${created.body.id}`);
    const refused = await start();
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('INVALID_API_KEY');
  });

  it('a key of another tenant cannot be seen, rotated or revoked', async () => {
    const { services } = server.app;
    const other = await services.tenants.create('other', ['https://other.example']);
    const foreign = await services.apiKeys.create({ tenantId: other.id, name: 'theirs', kind: 'secret', scopes: ['admin'] });
    expect((await admin('GET', '/v1/keys')).body.keys.map((key: any) => key.id)).not.toContain(foreign.key.id);
    expect((await admin('POST', `/v1/keys/${foreign.key.id}/rotate`)).status).toBe(404);
    expect((await admin('DELETE', `/v1/keys/${foreign.key.id}`)).status).toBe(404);
    // and it still works for its own tenant, which sees its own settings only
    const theirs = await admin('GET', '/v1/settings', undefined, foreign.plaintext);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ tenantId: other.id, allowedOrigins: ['https://other.example'] });
  });
});
