import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  chat,
  connect,
  connectAnonymous,
  ORIGIN,
  startAnonymousSession,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { decodeJwt } from '../support/tokens.js';

const backend = (server: TestServer, method: string, path: string, body?: unknown, key = server.secretKey) =>
  api(server, method, path, { body, headers: { 'x-api-key': key }, origin: null });
const me = (server: TestServer, accessToken: string) =>
  api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${accessToken}` } });

describe('customer backend API: minted tokens, server-side linking, sessions', () => {
  let server: TestServer;
  let otherTenantKey: string;
  beforeAll(async () => {
    server = await startTestServer();
    const services = server.app.services;
    const other = await services.tenants.create('other', [ORIGIN]);
    otherTenantKey = (await services.apiKeys.create({ tenantId: other.id, name: 'other admin', kind: 'secret', scopes: ['admin'] }))
      .plaintext;
  });
  afterAll(() => server.stop({ removeData: true }));

  describe('POST /v1/auth/tokens', () => {
    it('creates the user and starts a signed-in session; custom claims ride in the token and /v1/me', async () => {
      const custom = { role: 'admin', workspaceId: 'ws-123', permissions: ['read', 'write', 'delete'] };
      const response = await backend(server, 'POST', '/v1/auth/tokens', {
        userId: 'user-123',
        name: 'Ada Lovelace',
        avatar: 'https://example.com/a.png',
        custom,
      });
      expect(response.status).toBe(201);
      const { accessToken, refreshToken, expiresAt, user, session } = response.body;
      expect(user).toEqual({ id: 'user-123', name: 'Ada Lovelace', avatar: 'https://example.com/a.png', custom });
      expect(session).toMatchObject({ auth: 'user', userId: 'user-123', tenantId: server.tenantId });
      expect(refreshToken).toMatch(/^rt_/);
      expect(expiresAt).toBeGreaterThan(Date.now());
      expect(decodeJwt(accessToken).header.typ).toBe('at+jwt');
      expect(decodeJwt(accessToken).claims).toMatchObject({ uid: 'user-123', auth: 'user', aud: server.tenantId, sid: session.id, custom });

      const mine = await me(server, accessToken);
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({
        user: { id: 'user-123', name: 'Ada Lovelace' },
        custom,
        session: { auth: 'user', userId: 'user-123' },
      });

      const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(refreshed.body.accessToken).claims.custom).toEqual(custom);
    });

    it('updates the user on the next call (a new session each time)', async () => {
      const first = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'user-upd', name: 'Old', custom: { role: 'viewer' } });
      const second = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'user-upd', name: 'New', custom: { role: 'editor' } });
      expect(second.body.user).toMatchObject({ name: 'New', custom: { role: 'editor' } });
      expect(second.body.session.id).not.toBe(first.body.session.id);
      // Only the name given: the rest stays.
      const third = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'user-upd', name: 'Newer' });
      expect(third.body.user).toMatchObject({ name: 'Newer', custom: { role: 'editor' } });
      const sessions = await backend(server, 'GET', '/v1/users/user-upd/sessions');
      expect(sessions.body.sessions).toHaveLength(3);
    });

    it('refuses custom claims that are not a small, plain JSON object (BAD_REQUEST)', async () => {
      const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
      const cases: Array<[string, unknown]> = [
        ['an array', ['admin']],
        ['a string', 'admin'],
        ['null', null],
        ['over 4 KiB', { blob: 'x'.repeat(4100) }],
        ['too deep', deep],
        ['a 65-character key', { ['k'.repeat(65)]: 1 }],
        ['an empty key', { '': 1 }],
      ];
      for (const [why, custom] of cases) {
        const response = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'user-bad', custom });
        expect(`${why}: ${response.status} ${response.body.error?.code}`).toBe(`${why}: 400 BAD_REQUEST`);
      }
      const proto = await fetch(`${server.url}/v1/auth/tokens`, {
        method: 'POST',
        headers: { 'x-api-key': server.secretKey, 'content-type': 'application/json' },
        body: '{"userId":"user-bad","custom":{"__proto__":{"admin":true}}}',
      });
      expect(proto.status).toBe(400);
      expect((await backend(server, 'GET', '/v1/users/user-bad/sessions')).status).toBe(404);
      // At the limits: accepted.
      const edge = await backend(server, 'POST', '/v1/auth/tokens', {
        userId: 'user-edge',
        custom: { ['k'.repeat(64)]: { a: { b: { c: 1 } } }, pad: 'x'.repeat(3900) },
      });
      expect(edge.status).toBe(201);
    });

    it('refuses other bad fields: no userId, a javascript: avatar, unknown fields', async () => {
      for (const body of [
        {},
        { userId: '' },
        { userId: 'u', avatar: 'javascript:alert(1)' },
        { userId: 'u', admin: true },
        { userId: 'x'.repeat(257) },
      ]) {
        const response = await backend(server, 'POST', '/v1/auth/tokens', body);
        expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      }
    });

    it('with sessionId links that anonymous session: history kept, old tokens and sockets dead', async () => {
      const { socket, session } = await connectAnonymous(server);
      await chat(socket, 'c1', 'hello from before sign-in');
      const earlier = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'linker' });
      const response = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'linker', name: 'Lin', sessionId: session.session.id });
      expect(response.status).toBe(201);
      expect(response.body.session).toMatchObject({
        id: session.session.id,
        anonymousId: session.session.anonymousId,
        auth: 'user',
        userId: 'linker',
      });
      expect(response.body.previousConversations).toEqual([]);
      expect(earlier.body.session.id).not.toBe(session.session.id);

      expect(await socket.closed).toEqual({ code: 4002, reason: 'AUTH_CHANGED' });
      expect((await me(server, session.accessToken)).status).toBe(401);
      const refreshOld = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
      expect(refreshOld.status).toBe(401);

      const conversations = await backend(server, 'GET', '/v1/users/linker/conversations');
      expect(conversations.body.conversations).toHaveLength(1);
      expect(conversations.body.conversations[0]).toMatchObject({
        sessionId: session.session.id,
        preview: 'hello from before sign-in',
        messageCount: 2,
      });
      const history = await api(server, 'GET', `/v1/conversations/${conversations.body.conversations[0].id}/messages`, {
        headers: { authorization: `Bearer ${response.body.accessToken}` },
      });
      expect(history.body.messages.map((m: any) => m.content)[0]).toBe('hello from before sign-in');
    });
  });

  describe('POST /v1/sessions/{id}/link', () => {
    it("links from the server side, returns the session's new tokens and reports other conversations", async () => {
      const first = await connectAnonymous(server);
      await chat(first.socket, 'a1', 'first visit');
      await backend(server, 'POST', `/v1/sessions/${first.session.session.id}/link`, { userId: 'returning' });
      const second = await startAnonymousSession(server);
      const response = await backend(server, 'POST', `/v1/sessions/${second.session.id}/link`, {
        userId: 'returning',
        custom: { plan: 'pro' },
      });
      expect(response.status).toBe(201);
      expect(response.body.user).toMatchObject({ id: 'returning', custom: { plan: 'pro' } });
      expect(response.body.previousConversations).toHaveLength(1);
      expect(response.body.previousConversations[0].preview).toBe('first visit');
      expect((await me(server, response.body.accessToken)).body.custom).toEqual({ plan: 'pro' });
    });

    it('refuses to move a session signed in as someone else (CONFLICT), and ended sessions', async () => {
      const anonymous = await startAnonymousSession(server);
      await backend(server, 'POST', `/v1/sessions/${anonymous.session.id}/link`, { userId: 'owner' });
      const hijack = await backend(server, 'POST', `/v1/sessions/${anonymous.session.id}/link`, { userId: 'attacker' });
      expect(hijack.status).toBe(409);
      expect((await backend(server, 'GET', '/v1/users/attacker/sessions')).status).toBe(404);
      // Re-linking to the same user is fine (fresh tokens).
      expect((await backend(server, 'POST', `/v1/sessions/${anonymous.session.id}/link`, { userId: 'owner' })).status).toBe(201);
      await backend(server, 'DELETE', `/v1/sessions/${anonymous.session.id}`);
      expect((await backend(server, 'POST', `/v1/sessions/${anonymous.session.id}/link`, { userId: 'owner' })).status).toBe(409);
    });

    it('a session of another tenant is NOT_FOUND, for every route', async () => {
      const anonymous = await startAnonymousSession(server);
      const id = anonymous.session.id;
      for (const [method, path, body] of [
        ['POST', `/v1/sessions/${id}/link`, { userId: 'intruder' }],
        ['POST', '/v1/auth/tokens', { userId: 'intruder', sessionId: id }],
        ['DELETE', `/v1/sessions/${id}`, undefined],
      ] as const) {
        const response = await backend(server, method, path, body, otherTenantKey);
        expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 404`);
      }
      expect((await me(server, anonymous.accessToken)).body.session.auth).toBe('anonymous');
      expect((await backend(server, 'GET', '/v1/users/user-123/sessions', undefined, otherTenantKey)).status).toBe(404);
      expect((await backend(server, 'POST', `/v1/sessions/sess_${'A'.repeat(20)}/link`, { userId: 'x' })).status).toBe(404);
    });
  });

  describe('DELETE /v1/sessions/{id} and listings', () => {
    it('revokes one session: its tokens die, its sockets close, other sessions of the user live on', async () => {
      const keep = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'revokee' });
      const kill = await backend(server, 'POST', '/v1/auth/tokens', { userId: 'revokee' });
      const live = connect(server, { token: kill.body.accessToken });
      await live.nextOfType('ready');

      const response = await backend(server, 'DELETE', `/v1/sessions/${kill.body.session.id}`);
      expect(response.status).toBe(204);
      expect(await live.closed).toEqual({ code: 1008, reason: 'SESSION_REVOKED' });
      expect((await me(server, kill.body.accessToken)).status).toBe(401);
      expect((await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: kill.body.refreshToken } })).status).toBe(401);
      expect((await me(server, keep.body.accessToken)).status).toBe(200);
      expect((await backend(server, 'DELETE', `/v1/sessions/${kill.body.session.id}`)).status).toBe(204);

      const sessions = await backend(server, 'GET', '/v1/users/revokee/sessions');
      expect(sessions.status).toBe(200);
      const byId = Object.fromEntries(sessions.body.sessions.map((s: any) => [s.id, s]));
      expect(byId[kill.body.session.id]).toMatchObject({ active: false, auth: 'user', userId: 'revokee' });
      expect(byId[kill.body.session.id].revokedAt).toEqual(expect.any(Number));
      expect(byId[keep.body.session.id]).toMatchObject({ active: true, revokedAt: null });
    });

    it('an unknown user is NOT_FOUND', async () => {
      expect((await backend(server, 'GET', '/v1/users/nobody/sessions')).status).toBe(404);
      expect((await backend(server, 'GET', '/v1/users/nobody/conversations')).status).toBe(404);
    });

    it('audits links and revocations with the acting key', async () => {
      const keys = await backend(server, 'GET', '/v1/keys');
      const adminKeyId = keys.body.keys.find((k: any) => k.name === 'admin').id;
      const linked = await backend(server, 'GET', '/v1/audit?action=session.linked');
      expect(linked.body.entries.length).toBeGreaterThan(0);
      expect(linked.body.entries[0]).toMatchObject({
        actor: adminKeyId,
        action: 'session.linked',
        target: expect.stringMatching(/^sess_/),
        details: { userId: expect.any(String) },
      });
      const revoked = await backend(server, 'GET', '/v1/audit?action=session.revoked');
      expect(revoked.body.entries.length).toBeGreaterThan(0);
      expect(revoked.body.entries[0]).toMatchObject({ actor: adminKeyId, action: 'session.revoked' });
    });
  });
});
