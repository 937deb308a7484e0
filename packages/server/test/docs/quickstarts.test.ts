import { createChatClient, type ChatClient } from '@tessera/client';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent } from '../../../../docs/quickstart/agent-backend.mjs';
import { mintChatTokens } from '../../../../docs/quickstart/backend-tokens.mjs';
import { signIdentityToken } from '../../../../docs/quickstart/identity-token.mjs';
import { mintInitToken } from '../../../../docs/quickstart/partner-init-token.mjs';
import { browserLike } from '../../../client/test/support/real-server.js';
import { api, startTestServer, type TestServer } from '../support/test-server.js';

// The code of docs/quickstart.md (the files it includes verbatim) against a real server.
let server: TestServer;
const clients: ChatClient[] = [];
const agents: Server[] = [];

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const agent of agents.splice(0)) agent.close();
  await server.stop({ removeData: true });
});

/** The SDK as a page on the tenant's allowed origin runs it (Node: `ws` stands in for the browser's WebSocket). */
function chatClient(options: { publishableKey?: string; tokenProvider?: () => Promise<unknown> }) {
  const page = browserLike();
  const client = createChatClient({
    url: server.url,
    WebSocket: page.WebSocket,
    fetch: page.fetch,
    crossTab: false,
    watchEnvironment: false,
    ...(options as object),
  });
  clients.push(client);
  return client;
}

/** Sends and resolves with the agent's reply to that message. */
async function ask(client: ChatClient, text: string): Promise<string> {
  const replies = new Map<string, string>();
  const listener = (message: { replyTo: string; content: string }) => replies.set(message.replyTo, message.content);
  client.on('message', listener);
  const { messageId } = await client.send(text);
  await expect.poll(() => replies.get(messageId), { timeout: 10_000 }).toBeDefined();
  return replies.get(messageId)!;
}

const admin = (body: unknown) => ({ headers: { 'x-api-key': server.secretKey }, body, origin: null });

describe('quickstart: backend-minted tokens', () => {
  it('mints tokens for the signed-in user, and the SDK chats as that user', async () => {
    const user = { id: 'user-123', name: 'Ada Lovelace', role: 'admin' };
    const tokens = await mintChatTokens({ tesseraUrl: server.url, secretKey: server.secretKey, user });
    expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.stringMatching(/^rt_/), expiresAt: expect.any(Number) });

    const chat = chatClient({ tokenProvider: () => mintChatTokens({ tesseraUrl: server.url, secretKey: server.secretKey, user }) });
    await chat.connect();
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'user', userId: 'user-123', custom: { role: 'admin' } });
    expect(await ask(chat, 'who am I')).toMatch(/user-123/);
  });

  it('says why when the key is wrong', async () => {
    const user = { id: 'user-123', name: 'Ada', role: 'admin' };
    await expect(mintChatTokens({ tesseraUrl: server.url, secretKey: 'sk_nope_nope', user })).rejects.toThrow(/INVALID_API_KEY/);
  });
});

describe('quickstart: identity tokens from your login', () => {
  const identitySecret = 'your-identity-secret-of-at-least-32-bytes!';

  it('signs an anonymous chat in mid-conversation, keeping the conversation', async () => {
    const patched = await api(
      server,
      'PATCH',
      '/v1/settings',
      admin({ identity: { verification: { secret: identitySecret }, nameClaim: 'name' } }),
    );
    expect(patched.status).toBe(200);
    const chat = chatClient({ publishableKey: server.publishableKey });
    await chat.connect();
    expect(await ask(chat, 'who am I')).toMatch(/anonymous/i);
    const before = chat.getCurrentUser()!.sessionId;

    const token = await signIdentityToken({ user: { id: 'user-42', name: 'Grace Hopper' }, identitySecret });
    await chat.linkFromMainApp(token);
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'user', userId: 'user-42', sessionId: before });
    expect(await ask(chat, 'who am I')).toMatch(/Grace Hopper/);

    // the jti makes it single-use: the same token cannot sign another chat in
    const other = chatClient({ publishableKey: server.publishableKey });
    await other.connect();
    await expect(other.linkFromMainApp(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('quickstart: partner embedding', () => {
  const partnerOrigin = 'http://partner.localhost:4000';
  const partnerSecret = 'partner-shared-secret-at-least-32-bytes';

  async function addPartner() {
    const added = await api(
      server,
      'POST',
      '/v1/partners',
      admin({ name: 'Partner', allowedOrigins: [partnerOrigin], verification: { secret: partnerSecret } }),
    );
    expect(added.status).toBe(201);
    return added.body.id ?? added.body.partner.id;
  }

  it("starts a session from the partner's origin with a fresh init token, once", async () => {
    const partnerId = await addPartner();
    const initToken = await mintInitToken({ partnerId, partnerSecret, tenantId: server.tenantId });
    const started = await api(server, 'POST', '/v1/sessions', { body: { initToken }, origin: partnerOrigin });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ accessToken: expect.any(String), session: { tenantId: server.tenantId } });

    const replayed = await api(server, 'POST', '/v1/sessions', { body: { initToken }, origin: partnerOrigin });
    expect(replayed.status).toBe(401);
    const fresh = await mintInitToken({ partnerId, partnerSecret, tenantId: server.tenantId });
    const elsewhere = await api(server, 'POST', '/v1/sessions', { body: { initToken: fresh }, origin: 'http://evil.localhost:4000' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('ORIGIN_NOT_ALLOWED');
  });
});

describe('quickstart: agent backends', () => {
  it('answers the chat with the verified identity, and refuses unsigned calls', async () => {
    // 1. point the tenant at the agent; the response shows the signing secret once
    const configured = await api(server, 'PATCH', '/v1/settings', admin({ agent: { url: 'http://127.0.0.1:9/agent' } }));
    const signingSecret = configured.body.agent.signingSecret;
    expect(signingSecret).toMatch(/^whsec_/);
    // 2. run the agent with it (port 0 here; the doc uses 3001), and give Tessera its real address
    const agent = await startAgent({ signingSecret, port: 0 });
    agents.push(agent);
    const agentUrl = `http://127.0.0.1:${(agent.address() as { port: number }).port}/agent`;
    expect((await api(server, 'PATCH', '/v1/settings', admin({ agent: { url: agentUrl } }))).status).toBe(200);

    const chat = chatClient({ publishableKey: server.publishableKey });
    await chat.connect();
    expect(await ask(chat, 'hello')).toBe('You are an anonymous visitor. You said: hello');
    const user = { id: 'user-7', name: 'Alan', role: 'member' };
    const signedIn = chatClient({ tokenProvider: () => mintChatTokens({ tesseraUrl: server.url, secretKey: server.secretKey, user }) });
    await signedIn.connect();
    expect(await ask(signedIn, 'hi')).toBe('You are Alan (user-7). You said: hi');

    const forged = await fetch(agentUrl, { method: 'POST', body: JSON.stringify({ identity: { userId: 'user-7' } }) });
    expect(forged.status).toBe(401);
  });
});
