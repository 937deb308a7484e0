import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenPair } from '@tessera/protocol';
import type { ChatClient } from '../src/chat-client.js';
import type { FetchLike } from '../src/http.js';
import type { WebSocketConstructor } from '../src/socket.js';
import { createTokenManager, type TokenManager } from '../src/token-manager.js';
import { api, sleep, startTestServer, type TestServer, pageClient } from './support/real-server.js';

// A page on an origin the tenant does not allow: the server refuses it (HTTP 403
// ORIGIN_NOT_ALLOWED, on the upgrade too). No retry can change that, so the client says so and stops.
const EVIL = 'https://not-allowed.example';
const servers: TestServer[] = [];
const closers: Array<() => void> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  for (const server of servers.splice(0)) await server.stop({ removeData: true }).catch(() => undefined);
});

async function server() {
  const started = await startTestServer();
  servers.push(started);
  return started;
}

/**
 * `ws` and fetch as a page on `origin` uses them, counting handshakes and requests. `socketOrigin`:
 * only the socket carries an origin (a native app whose WebSocket adds one, whose fetch does not).
 */
function pageOn(origin: string | null, options: { hideHandshakeStatus?: boolean; socketOrigin?: string } = {}) {
  const socketOrigin = options.socketOrigin ?? origin;
  const counts = { sockets: 0, requests: [] as string[] };
  class PageWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, socketOrigin ? { origin: socketOrigin } : {});
      counts.sockets++;
    }
    // A browser's error event names no status: only the close (1006) follows.
    // @ts-expect-error ws types the handler narrowly; the client assigns a plain function
    override set onerror(handler: ((event: unknown) => void) | null) {
      super.onerror = handler && (options.hideHandshakeStatus ? () => handler(new Event('error')) : handler);
    }
    override get onerror() {
      return super.onerror;
    }
  }
  const fetchFn: FetchLike = (url, init = {}) => {
    counts.requests.push(new URL(url).pathname);
    const headers = { ...(init.headers as Record<string, string>), ...(origin && { origin }) };
    return fetch(url, { ...init, headers });
  };
  return { WebSocket: PageWebSocket as unknown as WebSocketConstructor, fetch: fetchFn, counts };
}

function chatOn(target: TestServer, page: ReturnType<typeof pageOn>, initialTokens?: TokenPair) {
  const errors: string[] = [];
  const states: string[] = [];
  const chat: ChatClient = pageClient(target, page, {
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 50,
    ...(initialTokens && { initialTokens }),
  });
  chat.on('error', (error) => errors.push(error.code));
  chat.on('state', ({ state, reason }) => states.push(reason ? `${state}:${reason}` : state));
  closers.push(() => chat.disconnect());
  return { chat, errors, states };
}

async function backendTokens(target: TestServer): Promise<TokenPair> {
  const response = await api(target, 'POST', '/v1/auth/tokens', {
    headers: { 'x-api-key': target.secretKey },
    origin: null,
    body: { userId: 'ada' },
  });
  expect(response.status).toBe(201);
  return response.body;
}

describe('a refused origin is reported, not retried', () => {
  it('with only a publishable key: connect() fails with ORIGIN_NOT_ALLOWED after one handshake', async () => {
    const target = await server();
    const page = pageOn(EVIL);
    const { chat, errors, states } = chatOn(target, page);
    await expect(chat.connect()).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    await sleep(300); // reconnect delays are 20-50 ms here: a retry would show
    expect(chat.state).toBe('closed');
    expect(states).toEqual(['connecting', 'closed:ORIGIN_NOT_ALLOWED']);
    expect(errors).toEqual(['ORIGIN_NOT_ALLOWED']);
    expect(page.counts.sockets).toBe(1);
    expect(page.counts.requests).toEqual(['/v1/auth/providers']); // asked why, with the same key and origin
  });

  it('the socket refused on upgrade, as a browser sees it (no status): one handshake, then ORIGIN_NOT_ALLOWED', async () => {
    const target = await server();
    const page = pageOn(EVIL, { hideHandshakeStatus: true });
    const { chat, errors, states } = chatOn(target, page, await backendTokens(target));
    await expect(chat.connect()).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    await sleep(300);
    expect(page.counts.sockets).toBe(1);
    expect(states).toEqual(['connecting', 'closed:ORIGIN_NOT_ALLOWED']);
    expect(errors).toEqual(['ORIGIN_NOT_ALLOWED']);
    // The tokens are kept: the session is fine, the page's origin is not.
    expect(chat.getCurrentUser()).toMatchObject({ userId: 'ada' });
  });

  it('the socket refused on upgrade, from an app whose HTTP calls carry no Origin: the 403 in the error says it', async () => {
    const target = await server();
    const page = pageOn(null, { socketOrigin: EVIL });
    const { chat, errors } = chatOn(target, page, await backendTokens(target));
    await expect(chat.connect()).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    await sleep(300);
    expect(errors).toEqual(['ORIGIN_NOT_ALLOWED']);
    expect(page.counts.sockets).toBe(1);
  });

  it('a network failure before the handshake is still retried', async () => {
    const target = await server();
    const tokens = await backendTokens(target);
    const page = pageOn(null);
    const { chat, states } = chatOn({ ...target, url: 'http://127.0.0.1:9' }, page, tokens);
    void chat.connect().catch(() => undefined);
    await sleep(400);
    expect(states.filter((state) => state === 'reconnecting').length).toBeGreaterThan(0);
    expect(chat.state).toBe('reconnecting');
  });

  it('a refresh refused for the origin is told once through onRefreshError, and not retried on a timer', async () => {
    const target = await server();
    const tokens = await backendTokens(target);
    const page = pageOn(EVIL);
    const refreshErrors: string[] = [];
    const manager: TokenManager = createTokenManager({
      baseUrl: target.url,
      fetch: page.fetch,
      initialTokens: tokens,
      crossTab: false,
      watchEnvironment: false,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 50,
      onRefreshError: (error) => refreshErrors.push(error.code),
    });
    closers.push(() => manager.stop());
    await expect(manager.refresh()).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    await sleep(400); // retries would come every 50 ms
    expect(page.counts.requests).toEqual(['/v1/auth/refresh']);
    expect(refreshErrors).toEqual(['ORIGIN_NOT_ALLOWED']);
    expect(manager.current()).toEqual(tokens);
  });
});
