import { afterEach, describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient, type ChatClientOptions } from '../src/chat-client.js';
import type { AuthenticatedEvent, FlowCompletedEvent, FlowFailedEvent } from '../src/chat-events.js';
import { createCookieStorage } from '../src/storage/cookie-storage.js';
import { createMemoryStorage } from '../src/storage/memory-storage.js';
import type { WebSocketConstructor } from '../src/socket.js';
import { FakeClock, settle } from './support/fake-clock.js';
import { errorBody, fakeFetch, type Call, type Reply } from './support/fake-fetch.js';
import { FakeSocket, latest } from './support/fake-socket.js';
import { makePair } from './support/tokens.js';

// Sign-in flows in the client: the REST calls, the socket's flow events, and redeeming once.

const clients: ChatClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
  FakeSocket.all = [];
});

const anonymous = makePair(Date.UTC(2026, 0, 1));
const signedIn = makePair(Date.UTC(2026, 0, 1), 15 * 60_000, { auth: 'user', uid: 'u1', ver: 2, amr: ['fed'] });
const flow = { flowId: 'flow_1', flowSecret: 'fs_secret' };

function setup(options: Partial<ChatClientOptions> = {}, respond: (call: Call) => Reply = () => new Error('offline')) {
  const clock = new FakeClock();
  const { fetch, calls } = fakeFetch(respond);
  const client = createChatClient({
    url: 'https://tessera.test',
    WebSocket: FakeSocket as unknown as WebSocketConstructor,
    fetch,
    clock,
    storage: createMemoryStorage(),
    crossTab: false,
    watchEnvironment: false,
    initialTokens: anonymous,
    ...options,
  });
  clients.push(client);
  const authenticated: AuthenticatedEvent[] = [];
  client.on('authenticated', (event) => authenticated.push(event));
  return { client, calls, authenticated };
}

async function connect(client: ChatClient) {
  const done = client.connect();
  await settle();
  latest().accept();
  await done;
}

const header = (call: Call, name: string) => (call.init.headers as Record<string, string>)[name];

describe('sign-in flows: REST calls', () => {
  it('lists providers with the publishable key when it has one, else with the access token', async () => {
    const providers = [{ id: 'demo', kind: 'oidc', name: 'Demo ID' }];
    const withKey = setup({ publishableKey: 'pk_k_1' }, () => ({ body: { providers } }));
    expect(await withKey.client.signInProviders()).toEqual(providers);
    expect(withKey.calls[0]).toMatchObject({ url: 'https://tessera.test/v1/auth/providers', init: { method: 'GET' } });
    expect(header(withKey.calls[0]!, 'x-tessera-key')).toBe('pk_k_1');
    expect(header(withKey.calls[0]!, 'authorization')).toBeUndefined();

    const withToken = setup({}, () => ({ body: { providers } }));
    expect(await withToken.client.signInProviders()).toEqual(providers);
    expect(header(withToken.calls[0]!, 'authorization')).toBe(`Bearer ${anonymous.accessToken}`);
  });

  it('starts a flow with the session bearer token and asks where it stands', async () => {
    const started = { ...flow, expiresAt: Date.UTC(2026, 0, 1, 0, 10), url: 'https://id.example/authorize?x=1' };
    const { client, calls } = setup({}, (call) =>
      call.url.endsWith('/v1/auth/flows') ? { status: 201, body: started } : { body: { state: 'completed' } },
    );
    expect(await client.startSignInFlow({ method: 'oauth', provider: 'demo', returnTo: 'https://shop.example/p' })).toEqual(started);
    expect(calls[0]).toMatchObject({
      url: 'https://tessera.test/v1/auth/flows',
      init: { method: 'POST' },
      body: { method: 'oauth', provider: 'demo', returnTo: 'https://shop.example/p' },
    });
    expect(header(calls[0]!, 'authorization')).toBe(`Bearer ${anonymous.accessToken}`);

    expect(await client.signInFlowState('flow_1')).toBe('completed');
    expect(calls[1]).toMatchObject({ url: 'https://tessera.test/v1/auth/flows/flow_1', init: { method: 'GET' }, body: undefined });
  });

  it("passes the server's error code on (e.g. an unknown provider)", async () => {
    const { client } = setup({}, () => ({ status: 404, body: errorBody('NOT_FOUND', 'no such provider') }));
    await expect(client.startSignInFlow({ method: 'oauth', provider: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('sign-in flows: the socket', () => {
  it('surfaces flow_completed and flow_failed as events', async () => {
    const { client } = setup();
    const completed: FlowCompletedEvent[] = [];
    const failed: FlowFailedEvent[] = [];
    client.on('flow_completed', (event) => completed.push(event));
    client.on('flow_failed', (event) => failed.push(event));
    await connect(client);
    latest().receive({ type: 'flow_completed', flowId: 'flow_1' });
    latest().receive({ type: 'flow_failed', flowId: 'flow_2', code: 'FLOW_DENIED', message: 'access denied' });
    expect(completed).toEqual([{ flowId: 'flow_1' }]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ flowId: 'flow_2', error: { code: 'FLOW_DENIED', message: 'access denied' } });
  });

  it('redeems in-band on the open socket, once, however often it is asked; the socket stays', async () => {
    const { client, authenticated } = setup();
    await connect(client);
    const first = client.redeemSignInFlow(flow);
    const second = client.redeemSignInFlow(flow); // the popup's message and the socket's flow_completed
    await settle();
    const frames = latest().sent.filter((f) => f.type === 'authenticate');
    expect(frames).toEqual([
      { type: 'authenticate', method: 'flow', flowId: 'flow_1', flowSecret: 'fs_secret', id: expect.stringMatching(/^req-/) },
    ]);
    latest().receive({
      type: 'authenticated',
      ...signedIn,
      user: { id: 'u1', name: 'Ada' },
      session: { id: 'sess_1' },
      previousConversations: [],
      id: frames[0].id,
    });
    expect((await first).user).toEqual({ id: 'u1', name: 'Ada' });
    expect(await second).toEqual(await first);
    await settle();
    expect(authenticated).toHaveLength(1);
    expect(client.getCurrentUser()).toMatchObject({ userId: 'u1', auth: 'user' });
    expect(FakeSocket.all).toHaveLength(1);
    expect(latest().closedByClient).toBeNull();
    // asked again later (a late message from the popup): nothing more is sent
    await client.redeemSignInFlow(flow);
    expect(latest().sent.filter((f) => f.type === 'authenticate')).toHaveLength(1);
  });

  it('a refused redemption rejects with its code and can be tried again', async () => {
    const { client } = setup();
    await connect(client);
    const refused = client.redeemSignInFlow({ ...flow, flowSecret: 'wrong' });
    await settle();
    const { id } = latest().sent.at(-1);
    latest().receive({ type: 'error', code: 'INVALID_CREDENTIALS', message: 'wrong secret', id });
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    void client.redeemSignInFlow(flow);
    await settle();
    expect(latest().sent.at(-1)).toMatchObject({ type: 'authenticate', method: 'flow', flowSecret: 'fs_secret' });
  });

  it('offline, redeems over HTTP (POST /v1/auth/link) and takes the new pair', async () => {
    const { client, calls, authenticated } = setup({}, () => ({
      body: { ...signedIn, user: { id: 'u1', name: 'Ada' }, previousConversations: [] },
    }));
    const event = await client.redeemSignInFlow(flow);
    expect(event.user).toEqual({ id: 'u1', name: 'Ada' });
    expect(calls[0]).toMatchObject({ url: 'https://tessera.test/v1/auth/link', body: { method: 'flow', ...flow } });
    expect(header(calls[0]!, 'authorization')).toBe(`Bearer ${anonymous.accessToken}`);
    expect(client.tokens.current()?.accessToken).toBe(signedIn.accessToken);
    expect(authenticated).toHaveLength(1);
  });

  it('with cookie storage, redeems over HTTP even when connected (only a response can set the cookie)', async () => {
    const { client, calls } = setup({ storage: createCookieStorage() }, (call) =>
      call.url.endsWith('/v1/auth/link') ? { body: { ...signedIn, user: { id: 'u1' }, previousConversations: [] } } : { body: anonymous },
    );
    await connect(client);
    await client.redeemSignInFlow(flow);
    const link = calls.find((call) => call.url.endsWith('/v1/auth/link'))!;
    expect(link.body).toEqual({ method: 'flow', ...flow, tokenTransport: 'cookie' });
    expect(link.init.credentials).toBe('include');
    expect(latest().sent.some((f) => f.type === 'authenticate')).toBe(false);
  });
});
