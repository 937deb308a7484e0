import { afterEach, describe, expect, it } from 'vitest';
import type { TokenPair } from '@tessera/protocol';
import type { ChatClient, ChatClientOptions } from '../src/chat-client.js';
import type { TesseraError } from '../src/errors.js';
import { createLocalStorage } from '../src/storage/web-storage.js';
import {
  api,
  browserLike,
  eventually,
  sharedLocalStorage,
  sleep,
  startTestServer,
  type TestServer,
  pageClient,
} from './support/real-server.js';

// How a session ends, against the real server: each end is told once (`onRefreshError` and the
// `error` event), and a logout (here or in another tab) is no error.
const servers: TestServer[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await server.stop({ removeData: true }).catch(() => undefined);
});

async function server() {
  const started = await startTestServer();
  servers.push(started);
  return started;
}

function client(target: TestServer, options: Partial<ChatClientOptions> = {}) {
  const page = browserLike();
  const refreshErrors: string[] = [];
  const errors: string[] = [];
  const created = pageClient(target, page, {
    onRefreshError: (error: TesseraError) => refreshErrors.push(error.code),
    ...options,
  });
  created.on('error', (error) => errors.push(error.code));
  clients.push(created);
  return { client: created, refreshErrors, errors };
}

/** Tokens your backend mints with its secret key (no Origin: a server). */
async function backendTokens(target: TestServer, body: Record<string, unknown>): Promise<TokenPair> {
  const response = await api(target, 'POST', '/v1/auth/tokens', { headers: { 'x-api-key': target.secretKey }, origin: null, body });
  expect(response.status).toBe(201);
  return response.body;
}

describe('the ends of a session', () => {
  it('a session the server revokes (socket closed 1008) is reported once, through onRefreshError and the error event', async () => {
    const target = await server();
    const { client: chat, refreshErrors, errors } = client(target);
    await chat.connect();
    const revoked = await api(target, 'DELETE', `/v1/sessions/${chat.getCurrentUser()!.sessionId}`, {
      headers: { 'x-api-key': target.secretKey },
      origin: null,
    });
    expect(revoked.status).toBeLessThan(300);
    await eventually(() => chat.state === 'closed');
    await sleep(200);
    expect(refreshErrors).toEqual(['SESSION_REVOKED']);
    expect(errors).toEqual(['SESSION_REVOKED']);
    expect(chat.getCurrentUser()).toBeNull();
  });

  it('a reused refresh token ends the session once, though both the refresh and the socket notice', async () => {
    const target = await server();
    const { client: chat, refreshErrors, errors } = client(target);
    await chat.connect();
    const stolen = chat.tokens.current()!.refreshToken!;
    // Someone else rotates it twice: the client's token is now an old one.
    const first = await api(target, 'POST', '/v1/auth/refresh', { body: { refreshToken: stolen } });
    await api(target, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });

    await expect(chat.tokens.refresh()).rejects.toMatchObject({ code: 'REFRESH_TOKEN_REUSED' });
    await eventually(() => chat.state === 'closed');
    await sleep(300); // the server also closes the socket (1008): no second report
    expect(refreshErrors).toEqual(['REFRESH_TOKEN_REUSED']);
    expect(errors).toEqual(['REFRESH_TOKEN_REUSED']);
  });

  it('a logout in another tab closes this one without an error', async () => {
    const target = await server();
    const shared = sharedLocalStorage();
    const tabA = client(target, { storage: createLocalStorage(shared) });
    await tabA.client.connect();
    const tabB = client(target, { storage: createLocalStorage(shared) });
    await tabB.client.connect();
    expect(tabB.client.getCurrentUser()!.sessionId).toBe(tabA.client.getCurrentUser()!.sessionId);
    const reasons: (string | undefined)[] = [];
    tabB.client.on('state', ({ state, reason }) => state === 'closed' && reasons.push(reason));

    await tabA.client.logout();
    await eventually(() => tabB.client.state === 'closed');
    expect(reasons).toEqual(['LOGGED_OUT']);
    expect([...tabA.refreshErrors, ...tabB.refreshErrors, ...tabA.errors, ...tabB.errors]).toEqual([]);
    expect(tabB.client.getCurrentUser()).toBeNull();
  });
});

describe('getCurrentUser()', () => {
  it('has the name and avatar your backend gave the user; null for both while anonymous', async () => {
    const target = await server();
    const anonymous = client(target);
    await anonymous.client.connect();
    expect(anonymous.client.getCurrentUser()).toMatchObject({ auth: 'anonymous', name: null, avatar: null });

    const tokens = await backendTokens(target, { userId: 'ada', name: 'Ada Lovelace', avatar: 'https://cdn.example/ada.png' });
    const { client: chat } = client(target, { initialTokens: tokens });
    await chat.connect();
    expect(chat.getCurrentUser()).toMatchObject({ userId: 'ada', name: 'Ada Lovelace', avatar: 'https://cdn.example/ada.png' });
    // Still there after a refresh (the server puts them in every access token of the user).
    await chat.tokens.refresh();
    expect(chat.getCurrentUser()).toMatchObject({ name: 'Ada Lovelace', avatar: 'https://cdn.example/ada.png' });

    // At every limit at once (4 KiB of custom claims, a 2 KiB avatar URL), a renewed token still goes to the open socket.
    const states: string[] = [];
    chat.on('state', ({ state }) => states.push(state));
    const largest = await backendTokens(target, {
      userId: 'u'.repeat(256),
      name: 'n'.repeat(200),
      avatar: `https://cdn.example/${'p'.repeat(2020)}`,
      custom: { ['k'.repeat(64)]: { a: { b: { c: 1 } } }, pad: 'x'.repeat(3900) },
    });
    expect(largest.accessToken.length).toBeGreaterThan(8192);
    const { client: big, errors } = client(target, { initialTokens: largest });
    await big.connect();
    const bigStates: string[] = [];
    big.on('state', ({ state }) => bigStates.push(state));
    await big.tokens.refresh();
    await big.send('still on the same socket');
    expect(bigStates).toEqual([]);
    expect(errors).toEqual([]);

    const plain = await backendTokens(target, { userId: 'bob' });
    const { client: bob } = client(target, { initialTokens: plain });
    await bob.tokens.start();
    expect(bob.getCurrentUser()).toMatchObject({ userId: 'bob', name: null, avatar: null });
  });
});
