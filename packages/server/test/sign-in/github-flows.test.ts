import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubTestServer, startGitHubTestServer } from '../support/github-test-server.js';
import { api, connectAnonymous, startAnonymousSession, type TestServer } from '../support/test-server.js';
import {
  bearer,
  CLIENT_SECRET,
  completeFlow,
  deliverCallback,
  followToCallback,
  registerProvider,
  startFlow,
  startFlowServer,
} from './flow-support.js';

describe('sign-in flows with a GitHub-shaped provider (OAuth 2.0, no OpenID)', () => {
  let server: TestServer;
  let github: GitHubTestServer;

  beforeAll(async () => {
    server = await startFlowServer();
    github = await startGitHubTestServer({ clientId: 'gh-client', clientSecret: CLIENT_SECRET });
    await registerProvider(
      server,
      {
        id: 'github',
        kind: 'github',
        clientId: 'gh-client',
        clientSecret: CLIENT_SECRET,
        authorizationUrl: github.authorizationUrl,
        tokenUrl: github.tokenUrl,
        apiUrl: github.apiUrl,
      },
      { linkByVerifiedEmail: true },
    );
  });
  afterAll(async () => {
    await github?.stop();
    await server?.stop({ removeData: true });
  });

  const redeem = (accessToken: string, flow: { flowId: string; flowSecret: string }) =>
    api(server, 'POST', '/v1/auth/link', {
      headers: bearer(accessToken),
      body: { method: 'flow', flowId: flow.flowId, flowSecret: flow.flowSecret },
    });

  it('signs the chat in as the GitHub user: the numeric id is the subject, the verified email is kept', async () => {
    const { socket, session } = await connectAnonymous(server);
    const started = await startFlow(server, session.accessToken, 'github');
    const authorization = new URL(started.body.url);
    expect(authorization.href.startsWith(github.authorizationUrl)).toBe(true);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('scope')).toBe('read:user user:email');

    expect((await deliverCallback(server, await followToCallback(started.body.url))).status).toBe(200);
    await socket.nextOfType('flow_completed');
    socket.send({ type: 'authenticate', method: 'flow', flowId: started.body.flowId, flowSecret: started.body.flowSecret });
    expect((await socket.nextOfType('authenticated')).user).toMatchObject({ id: 'github:583231', name: 'The Octocat' });
    const user = await api(server, 'GET', '/v1/users/github:583231', { headers: bearer(server.secretKey) });
    expect(user.body.identities).toEqual([
      expect.objectContaining({ kind: 'oauth', provider: 'github', subject: '583231', email: 'octocat@example.com' }),
    ]);
    // The token request carried the client secret and the PKCE verifier; the API calls the token.
    const token = github.requests.find((request) => request.path.endsWith('/access_token'));
    expect(token?.form).toMatchObject({ client_id: 'gh-client', code_verifier: expect.stringMatching(/^[\w-]{43}$/) });
    socket.close();
  });

  it('an unverified GitHub email does not join the account that has it, even with linkByVerifiedEmail', async () => {
    const signup = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'hubot@example.com', password: 'correct horse battery staple' },
    });
    expect(signup.status).toBe(201);
    github.settings.login = 'hubot';
    try {
      const session = await startAnonymousSession(server);
      const flow = await completeFlow(server, session.accessToken, 'github');
      expect((await redeem(session.accessToken, flow)).body.user.id).toBe('github:108108');
      const account = await api(server, 'GET', '/v1/users/hubot@example.com', { headers: bearer(server.secretKey) });
      expect(account.body.identities.map((identity: { kind: string }) => identity.kind)).toEqual(['password']);
    } finally {
      github.settings.login = 'octocat';
    }
  });

  it('a denied authorization, a replayed code and a code sent back with another flow’s state all fail; the chat stays anonymous', async () => {
    github.settings.mode = 'deny';
    const denied = await connectAnonymous(server);
    try {
      const flow = await completeFlow(server, denied.session.accessToken, 'github');
      expect(flow.page.status).toBe(403);
      expect(await denied.socket.nextOfType('flow_failed')).toMatchObject({ code: 'FLOW_DENIED' });
    } finally {
      github.settings.mode = 'auto';
      denied.socket.close();
    }

    const honest = await completeFlow(server, (await startAnonymousSession(server)).accessToken, 'github');
    const victim = await startAnonymousSession(server);
    const victimFlow = await startFlow(server, victim.accessToken, 'github');
    const replayed = new URL(honest.callback);
    replayed.searchParams.set('state', new URL(victimFlow.body.url).searchParams.get('state')!);
    expect((await deliverCallback(server, replayed)).status).toBe(401);
    expect((await api(server, 'GET', `/v1/auth/flows/${victimFlow.body.flowId}`, { headers: bearer(victim.accessToken) })).body.state).toBe(
      'failed',
    );
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(victim.accessToken) })).body.session.auth).toBe('anonymous');
  });
});
