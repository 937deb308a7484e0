import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupExpired } from '../../src/sessions/index.js';
import { inspectDatabase } from '../support/database.js';
import {
  api,
  chat,
  connect,
  eventually,
  ManualClock,
  startAnonymousSession,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

let sent = 0;

/** Chats `count` messages ("message 0", ...) on a fresh socket of the session; returns the conversation id. */
async function converse(server: TestServer, accessToken: string, count = 1): Promise<string> {
  const socket = connect(server, { token: accessToken });
  await socket.nextOfType('ready');
  let conversationId = '';
  for (let i = 0; i < count; i++) conversationId = (await chat(socket, `m${++sent}`, `message ${i}`)).ack.conversationId;
  socket.close();
  await socket.closed;
  return conversationId;
}

async function startUserSession(server: TestServer, userId: string) {
  const { services } = server.app;
  const user = await services.users.upsert(server.tenantId, userId, { name: userId });
  return services.sessions.startForUser(await services.tenants.get(server.tenantId), user);
}

describe('cleanupExpired', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  const run = () => {
    const { services } = server.app;
    return cleanupExpired(services.store, services.clock, [server.tenantId]);
  };

  it('deletes exactly what has expired: anonymous sessions with their history, user sessions without theirs', async () => {
    const t0 = clock.now();
    // expired: an anonymous session (idle 24 h) and a user's session (idle 7 d), both from t0
    const anonymousExpired = await startAnonymousSession(server);
    const anonymousConversation = await converse(server, anonymousExpired.accessToken, 2);
    const userExpired = await startUserSession(server, 'ada');
    const userConversation = await converse(server, userExpired.accessToken, 1);
    // a user's session revoked two days before the cleanup: gone, though its idle expiry is ahead
    clock.set(t0 + 5 * DAY);
    const revokedLongAgo = await startUserSession(server, 'grace');
    const revokedConversation = await converse(server, revokedLongAgo.accessToken, 1);
    await server.app.services.sessions.revoke(revokedLongAgo.session.id, 'logout');
    // live: an anonymous session and a user's session from 6.5 days in, and one revoked an hour before
    clock.set(t0 + 6 * DAY + 12 * HOUR);
    const anonymousLive = await startAnonymousSession(server);
    const liveConversation = await converse(server, anonymousLive.accessToken, 1);
    const userLive = await startUserSession(server, 'linus');
    await converse(server, userLive.accessToken, 1);
    clock.set(t0 + 7 * DAY);
    const revokedRecently = await startAnonymousSession(server);
    await api(server, 'POST', '/v1/auth/logout', { headers: { authorization: `Bearer ${revokedRecently.accessToken}` } });

    clock.set(t0 + 7 * DAY + HOUR);
    const db = inspectDatabase(server.dataDir);
    try {
      const before = {
        sessions: db.count('sessions'),
        tokens: db.count('refresh_tokens'),
        conversations: db.count('conversations'),
        messages: db.count('messages'),
      };
      const report = await run();
      expect(report).toEqual({ sessions: 3, refreshTokens: 3, conversations: 1, messages: 4 });

      const gone = [anonymousExpired, userExpired, revokedLongAgo].map((tokens) => tokens.session.id);
      const kept = [anonymousLive, userLive, revokedRecently].map((tokens) => tokens.session.id);
      for (const id of gone) {
        expect(db.count('sessions', 'id = ?', id)).toBe(0);
        expect(db.count('refresh_tokens', 'session_id = ?', id)).toBe(0);
      }
      for (const id of kept) {
        expect(db.count('sessions', 'id = ?', id)).toBe(1);
        expect(db.count('refresh_tokens', 'session_id = ?', id)).toBe(1);
      }
      // the anonymous session's history is gone with it...
      expect(db.count('conversations', 'id = ?', anonymousConversation)).toBe(0);
      expect(db.count('messages', 'conversation_id = ?', anonymousConversation)).toBe(0);
      // ...the users' stays with the users
      for (const conversation of [userConversation, revokedConversation]) {
        expect(db.count('conversations', 'id = ?', conversation)).toBe(1);
        expect(db.count('messages', 'conversation_id = ?', conversation)).toBe(2);
      }
      expect(db.count('messages', 'conversation_id = ?', liveConversation)).toBe(2);
      expect(before.sessions - db.count('sessions')).toBe(3);
      expect(before.tokens - db.count('refresh_tokens')).toBe(3);
      expect(before.conversations - db.count('conversations')).toBe(1);
      expect(before.messages - db.count('messages')).toBe(4);
    } finally {
      db.close();
    }

    // a second run finds nothing
    expect(await run()).toEqual({ sessions: 0, refreshTokens: 0, conversations: 0, messages: 0 });

    // the live session still works, history and all; the deleted one does not
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: anonymousLive.refreshToken } });
    expect(refreshed.status).toBe(200);
    const live = connect(server, { token: refreshed.body.accessToken });
    await live.nextOfType('ready');
    live.send({ type: 'history' });
    expect((await live.nextOfType('history')).messages).toHaveLength(2);
    live.close();
    expect((await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: anonymousExpired.refreshToken } })).status).toBe(401);
    // the user can still read the conversation of their expired session from a new one
    const ada = await startUserSession(server, 'ada');
    const list = await api(server, 'GET', '/v1/conversations', { headers: { authorization: `Bearer ${ada.accessToken}` } });
    expect(list.body.conversations.map((c: any) => c.id)).toContain(userConversation);
  });
});

describe('cleanupExpired in batches', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
  });
  afterAll(() => server.stop({ removeData: true }));

  const run = () => {
    const { services } = server.app;
    return cleanupExpired(services.store, services.clock, [server.tenantId]);
  };

  it('works through more expired sessions than one batch', async () => {
    const { services } = server.app;
    const tenant = await services.tenants.get(server.tenantId);
    const start = clock.now();
    const expired = [];
    for (let i = 0; i < 1100; i++) expired.push(await services.sessions.startAnonymous(tenant));
    clock.set(start + 23 * HOUR);
    const live = await services.sessions.startAnonymous(tenant);
    clock.set(start + DAY + 1);
    const report = await run();
    expect(report.sessions).toBe(1100);
    expect(report.refreshTokens).toBe(1100);
    const db = inspectDatabase(server.dataDir);
    expect(db.count('sessions', 'id = ?', live.session.id)).toBe(1);
    expect(db.count('sessions', 'id = ?', expired[0].session.id)).toBe(0);
    db.close();
  });
});

describe('message retention', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock }, settings: { retention: { messageDays: 1 } } });
  });
  afterAll(() => server.stop({ removeData: true }));

  const run = () => {
    const { services } = server.app;
    return cleanupExpired(services.store, services.clock, [server.tenantId]);
  };

  it('deletes messages older than the tenant’s retention, in live sessions too, and nothing newer', async () => {
    const user = await startUserSession(server, 'retained');
    const socket = connect(server, { token: user.accessToken });
    await socket.nextOfType('ready');
    const old = await chat(socket, 'old', 'said two days ago');
    socket.close();
    clock.advance(DAY + 1);
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    const again = connect(server, { token: refreshed.body.accessToken });
    await again.nextOfType('ready');
    const fresh = await chat(again, 'new', 'said just now');
    again.close();
    expect(fresh.ack.conversationId).toBe(old.ack.conversationId);

    expect(await run()).toEqual({ sessions: 0, refreshTokens: 0, conversations: 0, messages: 2 });
    const db = inspectDatabase(server.dataDir);
    try {
      expect(db.rows('select id from messages where conversation_id = ? order by seq', old.ack.conversationId)).toEqual([
        { id: fresh.ack.messageId },
        { id: fresh.reply.id },
      ]);
      expect(db.count('sessions', 'id = ?', user.session.id)).toBe(1);
    } finally {
      db.close();
    }
  });
});

describe('the cleanup job', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock, cleanupIntervalMs: 20 } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('runs on its interval in the server and removes expired sessions', async () => {
    const expiring = await startAnonymousSession(server);
    await converse(server, expiring.accessToken, 1);
    clock.advance(DAY);
    const live = await startAnonymousSession(server);
    const db = inspectDatabase(server.dataDir);
    try {
      await eventually(() => db.count('sessions', 'id = ?', expiring.session.id) === 0);
      expect(db.count('messages', 'session_id = ?', expiring.session.id)).toBe(0);
      expect(db.count('sessions', 'id = ?', live.session.id)).toBe(1);
    } finally {
      db.close();
    }
  });
});
