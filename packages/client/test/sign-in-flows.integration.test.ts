import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubTestServer, type GitHubTestServer } from '../../server/test/support/github-test-server.js';
import type { OidcTestProvider } from '../../server/test/support/oidc-test-provider.js';
import { addOidcProvider, deliverCallback, followToCallback, registerProvider } from '../../server/test/sign-in/flow-support.js';
import type { ChatClient } from '../src/chat-client.js';
import type { FlowCompletedEvent, FlowFailedEvent } from '../src/chat-events.js';
import { api, browserLike, eventually, startTestServer, type TestServer, pageClient } from './support/real-server.js';

// Sign-in flows against the real server (packages/server) and local providers: an OpenID provider
// (oidc-provider over https, signing `ada` in at once) and a GitHub-shaped one. The "browser" at
// the provider is fetch following its redirects; the callback is delivered to the server as-is.

const servers: TestServer[] = [];
const providers: Array<OidcTestProvider | GitHubTestServer> = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const provider of providers.splice(0)) await provider.stop().catch(() => undefined);
  for (const server of servers.splice(0)) await server.stop({ removeData: true }).catch(() => undefined);
});

async function serverWithOidc(): Promise<TestServer> {
  const server = await startTestServer();
  servers.push(server);
  providers.push(await addOidcProvider(server, 'acme', 'ada'));
  return server;
}

function client(server: TestServer) {
  const page = browserLike();
  const chat = pageClient(server, page);
  clients.push(chat);
  const completed: FlowCompletedEvent[] = [];
  const failed: FlowFailedEvent[] = [];
  chat.on('flow_completed', (event) => completed.push(event));
  chat.on('flow_failed', (event) => failed.push(event));
  return { chat, wire: page.wire, completed, failed };
}

/** The person at the provider (signed in, consented), then the provider's redirect to Tessera. */
async function finishAtProvider(server: TestServer, url: string) {
  const page = await deliverCallback(server, await followToCallback(url));
  expect(page.status).toBe(200);
}

const meStatus = async (server: TestServer, accessToken: string) =>
  (await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${accessToken}` } })).status;

describe('sign-in flows against the real server', () => {
  it('lists the providers, starts a flow, hears flow_completed and redeems it on the open socket', async () => {
    const server = await serverWithOidc();
    const { chat, wire, completed } = client(server);
    await chat.connect();
    expect(await chat.signInProviders()).toEqual([{ id: 'acme', kind: 'oidc', name: 'acme' }]);
    await chat.send('hello before signing in');
    const anonymous = chat.tokens.current()!.accessToken;
    const sessionId = chat.getCurrentUser()!.sessionId;

    const flow = await chat.startSignInFlow({ method: 'oauth', provider: 'acme' });
    expect(flow.url).toMatch(/^https:\/\/localhost:\d+\//);
    expect(await chat.signInFlowState(flow.flowId)).toBe('pending');
    await finishAtProvider(server, flow.url!);
    await eventually(() => completed.length > 0);
    expect(completed).toEqual([{ flowId: flow.flowId }]);
    expect(await chat.signInFlowState(flow.flowId)).toBe('completed');

    const [first, second] = await Promise.all([chat.redeemSignInFlow(flow), chat.redeemSignInFlow(flow)]);
    expect(second).toEqual(first);
    expect(wire.sent.filter((frame) => frame.type === 'authenticate')).toHaveLength(1);
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'user', sessionId });
    expect(chat.state).toBe('connected');
    expect(await meStatus(server, anonymous)).toBe(401);
    const history = await chat.history();
    expect(history.map((message) => message.content)).toContain('hello before signing in');
    // used: nobody can redeem it again
    expect(await chat.signInFlowState(flow.flowId)).toBe('expired');
  });

  it('a wrong secret is refused and leaves the flow to the right one', async () => {
    const server = await serverWithOidc();
    const { chat, completed } = client(server);
    await chat.connect();
    const flow = await chat.startSignInFlow({ method: 'oauth', provider: 'acme' });
    await finishAtProvider(server, flow.url!);
    await eventually(() => completed.length > 0);
    await expect(chat.redeemSignInFlow({ flowId: flow.flowId, flowSecret: `${flow.flowSecret}x` })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await chat.redeemSignInFlow(flow);
    expect(chat.getCurrentUser()?.auth).toBe('user');
  });

  it('offline, redeems over HTTP (POST /v1/auth/link)', async () => {
    const server = await serverWithOidc();
    const { chat, wire } = client(server);
    const flow = await chat.startSignInFlow({ method: 'oauth', provider: 'acme' }); // starts a session over HTTP
    const anonymous = chat.tokens.current()!.accessToken;
    await finishAtProvider(server, flow.url!);
    const event = await chat.redeemSignInFlow(flow);
    expect(event.user.name).toBe('Ada Lovelace');
    expect(chat.getCurrentUser()?.auth).toBe('user');
    expect(wire.sent).toEqual([]);
    expect(await meStatus(server, anonymous)).toBe(401);
  });

  it('GitHub, denied: flow_failed with FLOW_DENIED, the state says failed, redeeming says why; still anonymous', async () => {
    const server = await startTestServer();
    servers.push(server);
    const github = await startGitHubTestServer({ clientId: 'Iv1.client', clientSecret: 'github-client-secret-0123456789', mode: 'deny' });
    providers.push(github);
    await registerProvider(server, {
      id: 'github',
      kind: 'github',
      clientId: 'Iv1.client',
      clientSecret: 'github-client-secret-0123456789',
      authorizationUrl: github.authorizationUrl,
      tokenUrl: github.tokenUrl,
      apiUrl: github.apiUrl,
    });
    const { chat, failed } = client(server);
    await chat.connect();
    const flow = await chat.startSignInFlow({ method: 'oauth', provider: 'github' });
    const callback = await followToCallback(flow.url!);
    expect((await deliverCallback(server, callback)).status).toBe(403);
    await eventually(() => failed.length > 0);
    expect(failed[0]).toMatchObject({ flowId: flow.flowId, error: { code: 'FLOW_DENIED' } });
    expect(await chat.signInFlowState(flow.flowId)).toBe('failed');
    await expect(chat.redeemSignInFlow(flow)).rejects.toMatchObject({ code: 'FLOW_DENIED' });
    expect(chat.getCurrentUser()?.auth).toBe('anonymous');
  });
});
