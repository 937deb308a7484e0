import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import { api, connect, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'customer-app-identity-secret-0123456789abcdef';
const identityToken = (userId: string) =>
  new SignJWT({ sub: userId, name: userId.toUpperCase() })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

describe('GDPR export and erasure, and monthly usage', () => {
  let server: TestServer;
  const admin = () => ({ authorization: `Bearer ${server.secretKey}` });
  beforeAll(async () => {
    server = await startTestServer({ settings: { identity: { verification: { secret: SECRET }, nameClaim: 'name' } as never } });
  });
  afterAll(() => server.stop({ removeData: true }));

  /** An anonymous visitor chats, then signs in as `userId`; returns the socket's ids. */
  async function visitorSignsIn(userId: string, words: string[]) {
    const socket = connect(server, { key: server.publishableKey });
    const session = await socket.nextOfType('session');
    for (const [i, content] of words.entries()) {
      socket.send({ type: 'message', id: `${userId}-${i}`, content });
      await socket.next((f) => f.type === 'message' && f.role === 'assistant');
    }
    socket.send({ type: 'authenticate', method: 'jwt', token: await identityToken(userId) });
    const authenticated = await socket.nextOfType('authenticated');
    return { socket, session, authenticated };
  }

  it('exports everything held about a user, including linked anonymous ids', async () => {
    const { socket, session } = await visitorSignsIn('erin', ['my address is 1 Main St']);
    socket.close();
    const exported = await api(server, 'GET', '/v1/users/erin/export', { headers: admin(), origin: null });
    expect(exported.status).toBe(200);
    expect(exported.body.user).toMatchObject({ id: 'erin', name: 'ERIN' });
    expect(exported.body.anonymousIds).toEqual([session.session.anonymousId]);
    expect(exported.body.conversations[0].messages.map((m: any) => m.content)).toContain('my address is 1 Main St');
    expect(JSON.stringify(exported.body)).not.toMatch(/rt_|argon2|secret_hash/);
  });

  it('erases a user: sockets end at once, no row is left, a later export finds nothing', async () => {
    const { socket, session, authenticated } = await visitorSignsIn('frank', ['delete me please', 'and this']);
    const receipt = await api(server, 'DELETE', '/v1/users/frank', { headers: admin(), origin: null });
    expect(receipt.status).toBe(200);
    expect(receipt.body.deleted).toMatchObject({ users: 1, sessions: 1, conversations: 1, messages: 4, anonymousIds: 1 });
    expect((await socket.closed).code).toBe(1008);

    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${authenticated.accessToken}` } });
    expect(me.status).toBe(401);
    expect((await api(server, 'GET', '/v1/users/frank/export', { headers: admin(), origin: null })).status).toBe(404);

    const db = inspectDatabase(server.dataDir);
    try {
      const internalId = authenticated.user
        ? (await api(server, 'GET', '/v1/users/erin/export', { headers: admin(), origin: null })).body.user.internalId
        : '';
      expect(internalId).toMatch(/^usr_/); // erin is untouched
      const anonymousId = session.session.anonymousId;
      const sessionId = session.session.id;
      expect(db.count('users', 'external_id = ?', 'frank')).toBe(0);
      expect(db.count('sessions', 'id = ? or anonymous_id = ?', sessionId, anonymousId)).toBe(0);
      expect(db.count('refresh_tokens', 'session_id = ?', sessionId)).toBe(0);
      expect(db.count('conversations', 'session_id = ? or anonymous_id = ?', sessionId, anonymousId)).toBe(0);
      expect(db.count('messages', 'session_id = ?', sessionId)).toBe(0);
      expect(db.count('messages', "content like '%delete me%'")).toBe(0);
      expect(db.count('anonymous_links', 'anonymous_id = ?', anonymousId)).toBe(0);
      expect(db.count('monthly_actives', 'subject_id = ?', anonymousId)).toBe(0);
    } finally {
      db.close();
    }
    expect((await api(server, 'DELETE', '/v1/users/frank', { headers: admin(), origin: null })).status).toBe(404);

    const audit = await api(server, 'GET', '/v1/audit', { headers: admin(), origin: null });
    const actions = audit.body.entries.map((entry: any) => `${entry.action}:${entry.target}`);
    expect(actions).toContain('user.erased:frank');
    expect(actions).toContain(`session.linked:${session.session.id}`);
  });

  it('erases an anonymous visitor who never signed in', async () => {
    const socket = connect(server, { key: server.publishableKey });
    const session = await socket.nextOfType('session');
    socket.send({ type: 'message', id: 'x', content: 'anonymous words' });
    await socket.next((f) => f.type === 'message' && f.role === 'assistant');
    const receipt = await api(server, 'DELETE', `/v1/anonymous/${session.session.anonymousId}`, { headers: admin(), origin: null });
    expect(receipt.status).toBe(200);
    expect(receipt.body.deleted).toMatchObject({ sessions: 1, conversations: 1, messages: 2 });
    expect((await socket.closed).code).toBe(1008);
    const db = inspectDatabase(server.dataDir);
    try {
      expect(db.count('messages', "content = 'anonymous words'")).toBe(0);
    } finally {
      db.close();
    }
  });

  it('needs the users:delete scope to erase and users:read to export', async () => {
    const key = await api(server, 'POST', '/v1/keys', {
      headers: admin(),
      origin: null,
      body: { name: 'reader', kind: 'secret', scopes: ['users:read'] },
    });
    const reader = { authorization: `Bearer ${key.body.key}` };
    expect((await api(server, 'GET', '/v1/users/erin/export', { headers: reader, origin: null })).status).toBe(200);
    const denied = await api(server, 'DELETE', '/v1/users/erin', { headers: reader, origin: null });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
  });

  it('counts unique anonymous ids and users per month', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const before = (await api(server, 'GET', `/v1/usage?month=${month}`, { headers: admin(), origin: null })).body;
    const { socket } = await visitorSignsIn('gina', ['hello']);
    socket.close();
    // The same browser (same anonymous cookie) starting another session is not a new visitor.
    const first = await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': server.publishableKey }, body: {} });
    const cookie = first.headers.get('set-cookie')!.split(';')[0];
    await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': server.publishableKey, cookie }, body: {} });
    const after = (await api(server, 'GET', `/v1/usage?month=${month}`, { headers: admin(), origin: null })).body;
    expect(after.uniqueUsers - before.uniqueUsers).toBe(1);
    expect(after.uniqueAnonymous - before.uniqueAnonymous).toBe(2);
    expect(after.sessions - before.sessions).toBe(3);
    expect(after.messages - before.messages).toBe(2);
    expect((await api(server, 'GET', '/v1/usage?month=2026-13', { headers: admin(), origin: null })).status).toBe(400);
  });
});
