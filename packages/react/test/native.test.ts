import { createChatClient, type ChatClient, type ChatClientOptions, type TokenPair } from '@tessera/client';
import { asyncStorageAdapter, refreshOnForeground, secureStoreAdapter, type AppStateModule } from '@tessera/react/native';
import { afterEach, describe, expect, it } from 'vitest';
import { api, browserLike, eventually, sleep, startTestServer, type TestServer } from '../../client/test/support/real-server.js';

// The React Native recipe: a real client against a real server, with fakes of exactly the
// interfaces of AsyncStorage, expo-secure-store and AppState (no React Native here).

/** `@react-native-async-storage/async-storage`: string values, promises. */
class FakeAsyncStorage {
  readonly data = new Map<string, string>();
  async getItem(key: string): Promise<string | null> {
    return this.data.get(key) ?? null;
  }
  async setItem(key: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError('AsyncStorage stores strings');
    this.data.set(key, value);
  }
  async removeItem(key: string): Promise<void> {
    this.data.delete(key);
  }
}

/** `expo-secure-store`: refuses keys other than [A-Za-z0-9._-], as the real module does. */
class FakeSecureStore {
  readonly data = new Map<string, string>();
  private check(key: string) {
    if (!/^[\w.-]+$/.test(key)) throw new Error(`Invalid key provided to SecureStore: ${key}`);
  }
  async getItemAsync(key: string): Promise<string | null> {
    this.check(key);
    return this.data.get(key) ?? null;
  }
  async setItemAsync(key: string, value: string): Promise<void> {
    this.check(key);
    this.data.set(key, value);
  }
  async deleteItemAsync(key: string): Promise<void> {
    this.check(key);
    this.data.delete(key);
  }
}

/** `AppState` from react-native: `addEventListener('change', fn)` returning a subscription. */
class FakeAppState implements AppStateModule {
  readonly listeners = new Set<(state: string) => void>();
  addEventListener(_type: 'change', listener: (state: string) => void) {
    this.listeners.add(listener);
    return { remove: () => this.listeners.delete(listener) };
  }
  goTo(state: 'active' | 'background' | 'inactive') {
    for (const listener of [...this.listeners]) listener(state);
  }
}

const servers: TestServer[] = [];
const clients: ChatClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await server.stop({ removeData: true }).catch(() => undefined);
});

async function server(accessTokenTtlSeconds?: number) {
  const started = await startTestServer(accessTokenTtlSeconds ? { settings: { tokens: { accessTokenTtlSeconds } } as never } : {});
  servers.push(started);
  return started;
}

/** A client as an app makes it; `refreshes` counts the refresh requests it sends. */
function appClient(target: TestServer, options: Partial<ChatClientOptions>) {
  const page = browserLike();
  const refreshes: string[] = [];
  const fetchFn: typeof page.fetch = (url, init) => {
    if (url.endsWith('/v1/auth/refresh')) refreshes.push(url);
    return page.fetch(url, init);
  };
  const client = createChatClient({ url: target.url, WebSocket: page.WebSocket, fetch: fetchFn, crossTab: false, ...options });
  clients.push(client);
  return { client, refreshes };
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

describe('storage adapters', () => {
  for (const [name, makeStore, adapter] of [
    ['AsyncStorage', () => new FakeAsyncStorage(), (store: any) => asyncStorageAdapter(store)],
    ['expo-secure-store', () => new FakeSecureStore(), (store: any) => secureStoreAdapter(store)],
  ] as const) {
    it(`${name}: keeps the session across app launches, and forgets it on logout`, async () => {
      const target = await server();
      const store = makeStore();
      const first = appClient(target, { publishableKey: target.publishableKey, storage: adapter(store) });
      await first.client.connect();
      const sessionId = first.client.getCurrentUser()!.sessionId;
      await eventually(() => store.data.size === 1);
      const saved = JSON.parse([...store.data.values()][0]!);
      expect(saved.refreshToken).toMatch(/^rt_/);
      first.client.disconnect();

      // The next launch: the stored pair, the same session.
      const second = appClient(target, { publishableKey: target.publishableKey, storage: adapter(store) });
      await second.client.connect();
      expect(second.client.getCurrentUser()!.sessionId).toBe(sessionId);

      await second.client.logout();
      expect(store.data.size).toBe(0);
    });
  }

  it('a SecureStore key it would refuse is refused, not silently dropped', async () => {
    const store = new FakeSecureStore();
    const storage = secureStoreAdapter(store, { key: 'tessera tokens!' });
    await expect(Promise.resolve(storage.load())).rejects.toThrow(/Invalid key/);
  });
});

describe('refreshOnForeground', () => {
  it('coming back after the token expired (timers slept in the background): refreshed at once', async () => {
    const target = await server(2);
    const store = new FakeAsyncStorage();
    const appState = new FakeAppState();
    const tokens = await backendTokens(target);
    // Not started: as in a suspended app, no timer runs.
    const { client, refreshes } = appClient(target, { initialTokens: tokens, storage: asyncStorageAdapter(store) });
    const stop = refreshOnForeground(client, appState);
    await sleep(2500);
    appState.goTo('background');
    appState.goTo('inactive');
    expect(refreshes).toHaveLength(0);

    appState.goTo('active');
    await eventually(() => refreshes.length > 0 && client.tokens.current()?.accessToken !== tokens.accessToken, 1000);
    expect(client.tokens.current()!.expiresAt).toBeGreaterThan(Date.now());
    await eventually(() => store.data.size === 1);
    expect(JSON.parse([...store.data.values()][0]!).accessToken).toBe(client.tokens.current()!.accessToken);

    stop();
    expect(appState.listeners.size).toBe(0);
    client.tokens.stop();
  });

  it('a token far from expiry is left alone; a connected chat stays connected across a refresh on return', async () => {
    const target = await server(600); // 10 minutes
    const appState = new FakeAppState();
    const { client, refreshes } = appClient(target, { initialTokens: await backendTokens(target) });
    await client.connect();
    const stop = refreshOnForeground(client, appState, { withinMs: 60_000 });
    appState.goTo('active');
    await sleep(300);
    expect(refreshes).toHaveLength(0);
    stop();

    // Within the window: refreshed, and the open socket is handed the new token.
    const states: string[] = [];
    client.on('state', ({ state }) => states.push(state));
    const stopAgain = refreshOnForeground(client, appState, { withinMs: 15 * 60_000 });
    const before = client.tokens.current()!.accessToken;
    appState.goTo('active');
    await eventually(() => client.tokens.current()!.accessToken !== before);
    expect(refreshes).toHaveLength(1);
    await client.send('still here');
    expect(states).toEqual([]);
    stopAgain();
  });

  it('a socket waiting out its reconnect delay (the server went away while the app slept) reconnects at once on return', async () => {
    const first = await server(600);
    const keys = { tenantId: first.tenantId, secretKey: first.secretKey, publishableKey: first.publishableKey };
    const port = Number(new URL(first.url).port);
    const appState = new FakeAppState();
    const { client } = appClient(first, {
      initialTokens: await backendTokens(first),
      minReconnectDelayMs: 60_000,
      maxReconnectDelayMs: 60_000,
    });
    await client.connect();
    const stop = refreshOnForeground(client, appState);
    await first.stop(); // sockets closed; the next attempt waits up to a minute
    await eventually(() => client.state === 'reconnecting');
    const second = await startTestServer({ dataDir: first.dataDir, keys, port });
    servers.push(second);
    await sleep(500);
    expect(client.state).toBe('reconnecting');

    appState.goTo('active');
    await eventually(() => client.state === 'connected', 5_000);
    await client.send('back in the app');
    stop();
  });
});
