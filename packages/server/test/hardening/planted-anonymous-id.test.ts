import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import { api, chat, connect, connectAnonymous, ORIGIN, setCookie, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Anonymous ids are not secret: every access token carries one in `anon`. Knowing a
 * victim's id must not let anyone start a session under it, and erasing an account must
 * delete exactly that person's data.
 */
const anonClaim = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).anon;

const backend = (server: TestServer, method: string, path: string, body?: unknown) =>
  api(server, method, path, { body, headers: { 'x-api-key': server.secretKey }, origin: null });

async function startSession(server: TestServer, cookie?: string, key = server.publishableKey) {
  const response = await api(server, 'POST', '/v1/sessions', {
    headers: { 'x-tessera-key': key, ...(cookie ? { cookie: `tessera_anon=${cookie}` } : {}) },
    body: {},
  });
  expect(response.status).toBe(201);
  return { ...response.body, cookie: setCookie(response.headers, 'tessera_anon')!.value } as {
    accessToken: string;
    session: { id: string; anonymousId: string };
    cookie: string;
  };
}

/** Chats once in the session of `accessToken` over its own socket; returns the conversation id. */
async function chatIn(server: TestServer, accessToken: string, content: string): Promise<string> {
  const socket = connect(server, { token: accessToken });
  await socket.nextOfType('ready');
  const { ack } = await chat(socket, 'm1', content);
  socket.close();
  await socket.closed;
  return ack.conversationId;
}

async function counts(server: TestServer, sessionIds: string[], contents: string[]) {
  const db = inspectDatabase(server.dataDir);
  try {
    return {
      sessions: sessionIds.map((id) => db.count('sessions', 'id = ?', id)),
      messages: contents.map((content) => db.count('messages', 'content = ?', content)),
    };
  } finally {
    db.close();
  }
}

describe('a planted anonymous id is not adopted', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('a victim’s anonymous id (from their access token) in a tessera_anon cookie starts nothing under it, over HTTP', async () => {
    const victim = await startSession(server);
    const victimAnon = anonClaim(victim.accessToken);
    expect(victimAnon).toBe(victim.session.anonymousId);
    const attackerOwn = await startSession(server);
    const spliced = `${victimAnon}.${attackerOwn.cookie.split('.')[1]}`;
    for (const planted of [victimAnon, spliced, `${victimAnon}.${'A'.repeat(43)}`, `${victimAnon}.`]) {
      const attacker = await startSession(server, planted);
      expect(attacker.session.anonymousId).not.toBe(victimAnon);
      expect(attacker.cookie.startsWith(`${victimAnon}.`)).toBe(false);
    }
  });

  it('… nor over the WebSocket handshake (?key=)', async () => {
    const victim = await startSession(server);
    const victimAnon = anonClaim(victim.accessToken);
    const attacker = await connectAnonymous(server, { headers: { cookie: `tessera_anon=${victimAnon}` } });
    expect(attacker.session.session.anonymousId).not.toBe(victimAnon);
    const cookie = setCookie(attacker.socket.upgradeHeaders['set-cookie'] as string[], 'tessera_anon')!.value;
    expect(cookie.startsWith(`${attacker.session.session.anonymousId}.`)).toBe(true);
    attacker.socket.close();
  });

  it('the full chain: plant, link, erase the attacker’s account; the victim’s session and messages stay', async () => {
    const victim = await startSession(server);
    const victimConversation = await chatIn(server, victim.accessToken, 'victim: my secret order 4711');
    const victimAnon = anonClaim(victim.accessToken);

    const attacker = await startSession(server, victimAnon);
    const linked = await backend(server, 'POST', `/v1/sessions/${attacker.session.id}/link`, { userId: 'mallory', name: 'Mallory' });
    expect(linked.status).toBe(201);
    const erased = await api(server, 'DELETE', '/v1/users/mallory', {
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(erased.status).toBe(200);

    expect((await counts(server, [victim.session.id], ['victim: my secret order 4711'])).sessions).toEqual([1]);
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${victim.accessToken}` } });
    expect(me.status).toBe(200);
    const history = await api(server, 'GET', `/v1/conversations/${victimConversation}/messages`, {
      headers: { authorization: `Bearer ${victim.accessToken}` },
    });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).toContain('victim: my secret order 4711');
  });
});

describe('the browser’s own cookie still keeps its anonymous id', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('over POST /v1/sessions and over the ?key= handshake, and on a second node of the same data directory', async () => {
    const first = await startSession(server);
    const again = await startSession(server, first.cookie);
    expect(again.session.anonymousId).toBe(first.session.anonymousId);
    expect(again.session.id).not.toBe(first.session.id);

    const socket = await connectAnonymous(server, { headers: { cookie: `tessera_anon=${first.cookie}` } });
    expect(socket.session.session.anonymousId).toBe(first.session.anonymousId);
    const renewed = setCookie(socket.socket.upgradeHeaders['set-cookie'] as string[], 'tessera_anon')!;
    expect(renewed.value).toBe(first.cookie);
    expect(renewed.attributes).toEqual(expect.arrayContaining(['HttpOnly', `Max-Age=${45 * 24 * 3600}`]));
    socket.socket.close();

    const { tenantId, secretKey, publishableKey } = server;
    const sibling = await startTestServer({ dataDir: server.dataDir, keys: { tenantId, secretKey, publishableKey } });
    try {
      expect((await startSession(sibling, first.cookie)).session.anonymousId).toBe(first.session.anonymousId);
    } finally {
      await sibling.stop();
    }
  });
});

describe('erasing a user deletes only what was theirs', () => {
  let server: TestServer;
  let otherKey: string;
  const admin = () => ({ authorization: `Bearer ${server.secretKey}` });
  beforeAll(async () => {
    server = await startTestServer();
    const other = await server.app.services.tenants.create('other', [ORIGIN]);
    otherKey = (await server.app.services.apiKeys.create({ tenantId: other.id, name: 'widget', kind: 'publishable' })).plaintext;
  });
  afterAll(() => server.stop({ removeData: true }));

  it('a shared browser: another user’s session under the same anonymous id stays; the browser’s anonymous sessions go', async () => {
    const vera = await startSession(server);
    await chatIn(server, vera.accessToken, 'vera signed in on the shared browser');
    expect((await backend(server, 'POST', `/v1/sessions/${vera.session.id}/link`, { userId: 'vera' })).status).toBe(201);
    const ulla = await startSession(server, vera.cookie);
    expect(ulla.session.anonymousId).toBe(vera.session.anonymousId);
    await chatIn(server, ulla.accessToken, 'ulla signed in on the shared browser');
    expect((await backend(server, 'POST', `/v1/sessions/${ulla.session.id}/link`, { userId: 'ulla' })).status).toBe(201);
    const browser = await startSession(server, vera.cookie);
    await chatIn(server, browser.accessToken, 'the shared browser, anonymous');

    const erased = await api(server, 'DELETE', '/v1/users/ulla', { headers: admin(), origin: null });
    expect(erased.status).toBe(200);
    expect(erased.body.deleted).toMatchObject({ users: 1, sessions: 2, conversations: 2, messages: 4, anonymousIds: 1 });
    const after = await counts(
      server,
      [vera.session.id, ulla.session.id, browser.session.id],
      ['vera signed in on the shared browser', 'ulla signed in on the shared browser', 'the shared browser, anonymous'],
    );
    expect(after).toEqual({ sessions: [1, 0, 0], messages: [1, 0, 0] });
    const veraExport = await api(server, 'GET', '/v1/users/vera/export', { headers: admin(), origin: null });
    expect(veraExport.body.anonymousIds).toEqual([vera.session.anonymousId]);
  });

  it('another tenant’s sessions of the same browser stay', async () => {
    const elsewhere = await startSession(server, undefined, otherKey);
    await chatIn(server, elsewhere.accessToken, 'the same browser at another tenant');
    const here = await startSession(server, elsewhere.cookie);
    expect(here.session.anonymousId).toBe(elsewhere.session.anonymousId);
    expect((await backend(server, 'POST', `/v1/sessions/${here.session.id}/link`, { userId: 'wanda' })).status).toBe(201);

    expect((await api(server, 'DELETE', '/v1/users/wanda', { headers: admin(), origin: null })).status).toBe(200);
    const after = await counts(server, [elsewhere.session.id, here.session.id], ['the same browser at another tenant']);
    expect(after).toEqual({ sessions: [1, 0], messages: [1] });
  });
});
