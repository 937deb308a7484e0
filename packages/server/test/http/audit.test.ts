import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

const admin = (server: TestServer, method: string, path: string, body?: unknown, key = server.secretKey) =>
  api(server, method, path, { body, headers: { authorization: `Bearer ${key}` }, origin: null });

describe('GET /v1/audit', () => {
  let server: TestServer;
  let adminKeyId: string;
  const secrets: string[] = [];
  const PARTNER_SECRET = 'audit-partner-secret-0123456789-abcdefghijk';
  const IDENTITY_SECRET = 'identity-secret-for-audit-0123456789-abcdefg';

  beforeAll(async () => {
    server = await startTestServer();
    adminKeyId = (await admin(server, 'GET', '/v1/keys')).body.keys.find((k: any) => k.name === 'admin').id;
    secrets.push(server.secretKey, server.publishableKey, PARTNER_SECRET, IDENTITY_SECRET);

    const created = await admin(server, 'POST', '/v1/keys', {
      name: 'ci',
      kind: 'secret',
      scopes: ['tokens:write'],
      allowedIps: ['10.0.0.0/8'],
    });
    secrets.push(created.body.key);
    const rotated = await admin(server, 'POST', `/v1/keys/${created.body.id}/rotate`, { graceSeconds: 60 });
    secrets.push(rotated.body.key);
    await admin(server, 'DELETE', `/v1/keys/${rotated.body.id}`);
    await admin(server, 'PATCH', '/v1/settings', {
      allowedOrigins: ['http://localhost:3000', 'https://shop.example'],
      identity: { verification: { secret: IDENTITY_SECRET } },
    });
    const partner = await admin(server, 'POST', '/v1/partners', {
      name: 'Blog',
      allowedOrigins: ['https://blog.example'],
      verification: { secret: PARTNER_SECRET },
    });
    await admin(server, 'DELETE', `/v1/partners/${partner.body.id}`);
  });
  afterAll(() => server.stop({ removeData: true }));

  it('records key, settings and partner changes, newest first, with actor, action, target and time', async () => {
    const response = await admin(server, 'GET', '/v1/audit');
    expect(response.status).toBe(200);
    const entries = response.body.entries;
    expect(entries.map((e: any) => e.action)).toEqual([
      'partner.removed',
      'partner.added',
      'settings.changed',
      'key.revoked',
      'key.rotated',
      'key.created',
    ]);
    for (const entry of entries) {
      expect(entry.actor).toBe(adminKeyId);
      expect(entry.id).toMatch(/^aud_/);
      expect(entry.at).toBeGreaterThan(Date.now() - 60_000);
    }
    const byAction = Object.fromEntries(entries.map((e: any) => [e.action, e]));
    expect(byAction['key.created'].details).toMatchObject({
      name: 'ci',
      kind: 'secret',
      scopes: ['tokens:write'],
      allowedIps: ['10.0.0.0/8'],
    });
    expect(byAction['key.rotated'].details).toMatchObject({ replacedBy: expect.stringMatching(/^key_/), graceSeconds: 60 });
    expect(byAction['settings.changed'].details).toEqual({ fields: ['allowedOrigins', 'identity'] });
    expect(byAction['partner.added'].details).toMatchObject({
      name: 'Blog',
      verification: 'secret',
      allowedOrigins: ['https://blog.example'],
    });
  });

  it('holds no secret: no keys, no shared secrets, not even key secrets in part', async () => {
    const all = JSON.stringify((await admin(server, 'GET', '/v1/audit?limit=200')).body);
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      const tail = secret.split('_').pop()!;
      if (tail.length >= 20) expect(all).not.toContain(tail);
    }
  });

  it('pages with an opaque cursor, without gaps or repeats, and filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = await admin(server, 'GET', `/v1/audit${query}`);
      expect(page.status).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.entries.map((e: any) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = (await admin(server, 'GET', '/v1/audit')).body.entries.map((e: any) => e.id);
    expect(seen).toEqual(all);
    const filtered = await admin(server, 'GET', '/v1/audit?action=key.created');
    expect(filtered.body.entries.map((e: any) => e.action)).toEqual(['key.created']);
    expect((await admin(server, 'GET', '/v1/audit?cursor=garbage')).status).toBe(400);
    expect((await admin(server, 'GET', '/v1/audit?limit=0')).status).toBe(400);
  });

  it('is for admin keys only', async () => {
    const reader = await admin(server, 'POST', '/v1/keys', { name: 'reader', kind: 'secret', scopes: ['users:read'] });
    const response = await admin(server, 'GET', '/v1/audit', undefined, reader.body.key);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
  });

  it('services.audit.record is there for other parts, and scrubs anything credential-like', async () => {
    await server.app.services.audit.record({
      tenantId: server.tenantId,
      actor: 'system',
      action: 'user.erased',
      target: 'someone',
      details: {
        sessions: 2,
        token: 'eyJhbGciOiJIUzI1NiJ9.e30.x',
        note: server.secretKey,
        password: 'hunter2',
        nested: { refreshToken: 'rt_x', ok: true },
      },
    });
    const entry = (await admin(server, 'GET', '/v1/audit?action=user.erased')).body.entries[0];
    expect(entry).toMatchObject({ actor: 'system', target: 'someone' });
    expect(entry.details).toEqual({ sessions: 2, nested: { ok: true } });
  });
});
