import { afterEach, describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient, type ChatClientOptions } from '../src/chat-client.js';
import type { AuthenticatedEvent } from '../src/chat-events.js';
import { createCookieStorage } from '../src/storage/cookie-storage.js';
import { createMemoryStorage } from '../src/storage/memory-storage.js';
import type { WebSocketConstructor } from '../src/socket.js';
import { FakeClock, settle } from './support/fake-clock.js';
import { errorBody, fakeFetch, type Call, type Reply } from './support/fake-fetch.js';
import { FakeSocket, latest } from './support/fake-socket.js';
import { makePair } from './support/tokens.js';

// Email codes and magic links in the client: the REST calls, the in-band sign-in and its fallback.

const clients: ChatClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
  FakeSocket.all = [];
});

const anonymous = makePair(Date.UTC(2026, 0, 1));
const signedIn = makePair(Date.UTC(2026, 0, 1), 15 * 60_000, { auth: 'user', uid: 'ada@example.com', ver: 2, amr: ['otp'] });
const linked = { ...signedIn, user: { id: 'ada@example.com' }, previousConversations: [] };

function setup(options: Partial<ChatClientOptions> = {}, respond: (call: Call) => Reply = () => new Error('offline')) {
  const { fetch, calls } = fakeFetch(respond);
  const client = createChatClient({
    url: 'https://tessera.test',
    WebSocket: FakeSocket as unknown as WebSocketConstructor,
    fetch,
    clock: new FakeClock(),
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

describe('email codes', () => {
  it('asks for a code with the publishable key when it has one, else with the access token', async () => {
    const withKey = setup({ publishableKey: 'pk_k_1' }, () => ({ status: 202, body: {} }));
    await withKey.client.requestEmailCode(' ada@example.com ');
    expect(withKey.calls[0]).toMatchObject({
      url: 'https://tessera.test/v1/auth/email-code',
      init: { method: 'POST' },
      body: { email: 'ada@example.com' },
    });
    expect(header(withKey.calls[0]!, 'x-tessera-key')).toBe('pk_k_1');
    expect(header(withKey.calls[0]!, 'authorization')).toBeUndefined();

    const withToken = setup({}, () => ({ status: 202, body: {} }));
    await withToken.client.requestEmailCode('ada@example.com');
    expect(header(withToken.calls[0]!, 'authorization')).toBe(`Bearer ${anonymous.accessToken}`);
  });

  it("passes the server's refusal on: no mail configured is UNAVAILABLE, too many is RATE_LIMITED", async () => {
    const unavailable = setup({}, () => ({ status: 503, body: errorBody('UNAVAILABLE', 'no mail') }));
    await expect(unavailable.client.requestEmailCode('ada@example.com')).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    const limited = setup({}, () => ({ status: 429, body: errorBody('RATE_LIMITED'), headers: { 'retry-after': '60' } }));
    await expect(limited.client.requestEmailCode('ada@example.com')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 60_000 });
  });

  it('signs in in-band on the open socket (spaces in the code ignored); the socket stays', async () => {
    const { client, authenticated } = setup();
    await connect(client);
    const signing = client.signInWithEmailCode('ada@example.com ', '123 456');
    await settle();
    const frames = latest().sent.filter((f) => f.type === 'authenticate');
    expect(frames).toEqual([
      { type: 'authenticate', method: 'email_code', email: 'ada@example.com', code: '123456', id: expect.stringMatching(/^req-/) },
    ]);
    latest().receive({ type: 'authenticated', ...linked, session: { id: 'sess_1' }, id: frames[0].id });
    expect((await signing).user).toEqual({ id: 'ada@example.com' });
    await settle();
    expect(authenticated).toHaveLength(1);
    expect(client.getCurrentUser()).toMatchObject({ userId: 'ada@example.com', auth: 'user' });
    expect(FakeSocket.all).toHaveLength(1);
    expect(latest().closedByClient).toBeNull();
  });

  it('a wrong code rejects with CODE_INVALID, and the next try goes out', async () => {
    const { client, authenticated } = setup();
    await connect(client);
    const wrong = client.signInWithEmailCode('ada@example.com', '000000');
    await settle();
    const { id } = latest().sent.at(-1);
    latest().receive({ type: 'error', code: 'CODE_INVALID', message: 'wrong or expired code', id });
    await expect(wrong).rejects.toMatchObject({ code: 'CODE_INVALID' });
    expect(authenticated).toEqual([]);
    expect(client.getCurrentUser()?.auth).toBe('anonymous');
    const retry = client.signInWithEmailCode('ada@example.com', '123456');
    retry.catch(() => undefined); // still pending when the client closes
    await settle();
    expect(latest().sent.at(-1)).toMatchObject({ type: 'authenticate', method: 'email_code', code: '123456' });
  });

  it('offline, signs in over HTTP (POST /v1/auth/link) and takes the new pair', async () => {
    const { client, calls, authenticated } = setup({}, () => ({ body: linked }));
    const event = await client.signInWithEmailCode('ada@example.com', '123456');
    expect(event.user).toEqual({ id: 'ada@example.com' });
    expect(calls[0]).toMatchObject({
      url: 'https://tessera.test/v1/auth/link',
      body: { method: 'email_code', email: 'ada@example.com', code: '123456' },
    });
    expect(header(calls[0]!, 'authorization')).toBe(`Bearer ${anonymous.accessToken}`);
    expect(client.tokens.current()?.accessToken).toBe(signedIn.accessToken);
    expect(authenticated).toHaveLength(1);
  });

  it('over HTTP a wrong code is CODE_INVALID (401) and the session stays as it was', async () => {
    const { client } = setup({}, () => ({ status: 401, body: errorBody('CODE_INVALID', 'wrong or expired code') }));
    await expect(client.signInWithEmailCode('ada@example.com', '000000')).rejects.toMatchObject({ code: 'CODE_INVALID', status: 401 });
    expect(client.tokens.current()?.accessToken).toBe(anonymous.accessToken);
  });

  it('with cookie storage, signs in over HTTP even when connected (only a response can set the cookie)', async () => {
    const { client, calls } = setup({ storage: createCookieStorage() }, (call) =>
      call.url.endsWith('/v1/auth/link') ? { body: linked } : { body: anonymous },
    );
    await connect(client);
    await client.signInWithEmailCode('ada@example.com', '123456');
    const link = calls.find((call) => call.url.endsWith('/v1/auth/link'))!;
    expect(link.body).toEqual({ method: 'email_code', email: 'ada@example.com', code: '123456', tokenTransport: 'cookie' });
    expect(link.init.credentials).toBe('include');
    expect(latest().sent.some((f) => f.type === 'authenticate')).toBe(false);
  });
});

describe('magic links', () => {
  const started = { flowId: 'flow_1', flowSecret: 'fs_secret', expiresAt: Date.UTC(2026, 0, 1, 0, 10), matchCode: '42' };

  it('starts a magic_link flow with the bearer token, with credentials (for the cookie), and returns the match code', async () => {
    const { client, calls } = setup({}, () => ({ status: 201, body: started }));
    expect(await client.requestMagicLink(' ada@example.com')).toEqual(started);
    expect(calls[0]).toMatchObject({
      url: 'https://tessera.test/v1/auth/flows',
      init: { method: 'POST', credentials: 'include' },
      body: { method: 'magic_link', email: 'ada@example.com' },
    });
    expect(header(calls[0]!, 'authorization')).toBe(`Bearer ${anonymous.accessToken}`);
  });

  it('a provider flow is still started without credentials', async () => {
    const { client, calls } = setup({}, () => ({ status: 201, body: { ...started, matchCode: undefined, url: 'https://id.example/a' } }));
    await client.startSignInFlow({ method: 'oauth', provider: 'demo' });
    expect(calls[0]!.init.credentials).toBeUndefined();
  });

  it('is redeemed like any flow once the socket says flow_completed', async () => {
    const { client } = setup({}, () => ({ status: 201, body: started }));
    await connect(client);
    const flow = await client.requestMagicLink('ada@example.com');
    const completed: string[] = [];
    client.on('flow_completed', ({ flowId }) => {
      completed.push(flowId);
      if (flowId === flow.flowId) void client.redeemSignInFlow(flow);
    });
    latest().receive({ type: 'flow_completed', flowId: 'flow_1' });
    await settle();
    expect(completed).toEqual(['flow_1']);
    expect(latest().sent.at(-1)).toMatchObject({ type: 'authenticate', method: 'flow', flowId: 'flow_1', flowSecret: 'fs_secret' });
  });

  it('an answer without a match code is an error, not a silent flow', async () => {
    const { client } = setup({}, () => ({ status: 201, body: { ...started, matchCode: undefined } }));
    await expect(client.requestMagicLink('ada@example.com')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
