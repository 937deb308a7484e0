import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcTestProvider } from '../support/oidc-test-provider.js';
import { type RogueOidcProvider, startRogueOidcProvider } from '../support/rogue-oidc-provider.js';
import { api, connectAnonymous, ManualClock, ORIGIN, startAnonymousSession, type TestServer } from '../support/test-server.js';
import {
  addOidcProvider,
  bearer,
  CLIENT_SECRET,
  callbackOf,
  completeFlow,
  deliverCallback,
  followToCallback,
  registerProvider,
  startFlow,
  startFlowServer,
} from '../sign-in/flow-support.js';

describe('sign-in flows under attack: each refused, the session unchanged', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let acme: OidcTestProvider;
  let rogue: RogueOidcProvider;

  beforeAll(async () => {
    server = await startFlowServer({ clock });
    acme = await addOidcProvider(server, 'acme', 'ada');
    rogue = await startRogueOidcProvider({ clientId: 'tessera-rogue' });
    await registerProvider(server, {
      id: 'rogue',
      kind: 'oidc',
      issuer: rogue.issuer,
      clientId: 'tessera-rogue',
      clientSecret: CLIENT_SECRET,
    });
  });
  afterAll(async () => {
    await Promise.all([acme?.stop(), rogue?.stop()]);
    await server?.stop({ removeData: true });
  });

  const whoIs = async (accessToken: string) => (await api(server, 'GET', '/v1/me', { headers: bearer(accessToken) })).body.session.auth;
  const flowState = async (accessToken: string, flowId: string) =>
    (await api(server, 'GET', `/v1/auth/flows/${flowId}`, { headers: bearer(accessToken) })).body.state;
  const redeem = (accessToken: string, flowId: string, flowSecret: string) =>
    api(server, 'POST', '/v1/auth/link', { headers: bearer(accessToken), body: { method: 'flow', flowId, flowSecret } });
  const withState = (callback: URL, state: string) => {
    const forged = new URL(callback);
    forged.searchParams.set('state', state);
    return forged;
  };
  const stateOf = (url: string) => new URL(url).searchParams.get('state')!;

  it("login CSRF: an attacker's callback opened in the victim's browser completes only the attacker's own flow", async () => {
    const victim = await connectAnonymous(server);
    const victimFlow = await startFlow(server, victim.session.accessToken, 'acme');
    const attacker = await connectAnonymous(server);
    const attackerFlow = await startFlow(server, attacker.session.accessToken, 'acme');
    const attackersCallback = await followToCallback(attackerFlow.body.url);

    expect((await deliverCallback(server, attackersCallback)).status).toBe(200);
    await attacker.socket.nextOfType('flow_completed');
    expect(victim.socket.frames.some((frame) => frame.type === 'flow_completed')).toBe(false);
    // The victim's chat cannot take the attacker's flow, even named; its own flow and session are as they were.
    expect(await redeem(victim.session.accessToken, attackerFlow.body.flowId, attackerFlow.body.flowSecret)).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(await flowState(victim.session.accessToken, victimFlow.body.flowId)).toBe('pending');
    expect(await whoIs(victim.session.accessToken)).toBe('anonymous');
    victim.socket.close();
    attacker.socket.close();
  });

  it("code injection: a code issued for one flow, sent back with another flow's state, fails PKCE; a used code is refused", async () => {
    const first = await startAnonymousSession(server);
    const second = await connectAnonymous(server);
    const firstFlow = await startFlow(server, first.accessToken, 'acme');
    const secondFlow = await startFlow(server, second.session.accessToken, 'acme');
    const firstCallback = await followToCallback(firstFlow.body.url);

    const injected = await deliverCallback(server, withState(firstCallback, stateOf(secondFlow.body.url)));
    expect(injected.status).toBe(401);
    expect(await second.socket.nextOfType('flow_failed')).toMatchObject({ flowId: secondFlow.body.flowId, code: 'INVALID_CREDENTIALS' });
    expect(await flowState(second.session.accessToken, secondFlow.body.flowId)).toBe('failed');
    expect(await whoIs(second.session.accessToken)).toBe('anonymous');

    // Replayed: a code the provider already gave out once buys nothing, with a fresh flow either.
    const honest = await completeFlow(server, (await startAnonymousSession(server)).accessToken, 'acme');
    const third = await startAnonymousSession(server);
    const thirdFlow = await startFlow(server, third.accessToken, 'acme');
    expect((await deliverCallback(server, withState(honest.callback, stateOf(thirdFlow.body.url)))).status).toBe(401);
    expect(await flowState(third.accessToken, thirdFlow.body.flowId)).toBe('failed');
    second.socket.close();
  });

  it('a replayed callback answers 410 and changes nothing; the flow stays redeemable by its chat', async () => {
    const session = await startAnonymousSession(server);
    const flow = await completeFlow(server, session.accessToken, 'acme');
    const replayed = await deliverCallback(server, flow.callback);
    expect(replayed.status).toBe(410);
    expect(replayed.html).toContain('already used or has expired');
    expect(await flowState(session.accessToken, flow.flowId)).toBe('completed');
    expect((await redeem(session.accessToken, flow.flowId, flow.flowSecret)).status).toBe(200);
    expect((await deliverCallback(server, flow.callback)).status).toBe(410);
  });

  it("checks the provider's id token: wrong nonce, another issuer or audience, alg none, expired, unknown key", async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const attacks = {
      'wrong nonce': { claims: { nonce: 'not-the-nonce-of-this-flow' } },
      'another issuer': { claims: { iss: 'https://evil.example' } },
      'another audience': { claims: { aud: 'someone-else' } },
      'alg none': { signing: 'none' as const },
      expired: { claims: { iat: now() - 3600, exp: now() - 1800 } },
      'unknown key': { signing: 'unknown-key' as const },
    };
    for (const [attack, idToken] of Object.entries(attacks)) {
      rogue.idToken = idToken;
      const session = await startAnonymousSession(server);
      const flow = await completeFlow(server, session.accessToken, 'rogue');
      expect(flow.page.status, attack).toBe(401);
      expect(await flowState(session.accessToken, flow.flowId), attack).toBe('failed');
      expect((await redeem(session.accessToken, flow.flowId, flow.flowSecret)).status, attack).toBe(410);
      expect(await whoIs(session.accessToken), attack).toBe('anonymous');
    }
    // The same provider, honest: the sign-in goes through, with the PKCE verifier of its challenge.
    rogue.idToken = {};
    const session = await startAnonymousSession(server);
    const flow = await completeFlow(server, session.accessToken, 'rogue');
    expect(flow.page.status).toBe(200);
    expect((await redeem(session.accessToken, flow.flowId, flow.flowSecret)).body.user.id).toBe('rogue:rogue-user');
    expect(rogue.tokenRequests().at(-1)?.form.code_verifier).toMatch(/^[\w-]{43}$/);
  });

  it('a flow expires after 10 minutes: its callback and its redemption are FLOW_EXPIRED', async () => {
    const session = await startAnonymousSession(server);
    const late = await startFlow(server, session.accessToken, 'acme');
    const callback = await followToCallback(late.body.url);
    clock.advance(10 * 60_000 + 1);
    expect((await deliverCallback(server, callback)).status).toBe(410);

    const fresh = await startAnonymousSession(server);
    const completed = await completeFlow(server, fresh.accessToken, 'acme');
    clock.advance(10 * 60_000 + 1);
    expect(await redeem(fresh.accessToken, completed.flowId, completed.flowSecret)).toMatchObject({
      status: 410,
      body: { error: { code: 'FLOW_EXPIRED' } },
    });
    expect(await whoIs(fresh.accessToken)).toBe('anonymous');
  });

  it('access_denied at the provider: the chat is told, stays anonymous, and cannot redeem', async () => {
    const { socket, session } = await connectAnonymous(server);
    const flow = await startFlow(server, session.accessToken, 'acme');
    const denied = await deliverCallback(server, `${callbackOf(server, 'acme')}?error=access_denied&state=${stateOf(flow.body.url)}`);
    expect(denied.status).toBe(403);
    expect(denied.html).toContain('Sign-in cancelled');
    expect(await socket.nextOfType('flow_failed')).toMatchObject({ flowId: flow.body.flowId, code: 'FLOW_DENIED' });
    expect(await redeem(session.accessToken, flow.body.flowId, flow.body.flowSecret)).toMatchObject({
      status: 403,
      body: { error: { code: 'FLOW_DENIED' } },
    });
    expect(await whoIs(session.accessToken)).toBe('anonymous');
    socket.close();
  });

  it('never redirects elsewhere: returnTo must be a page of an allowed origin', async () => {
    const session = await startAnonymousSession(server);
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      'javascript:alert(1)',
      `${ORIGIN}.evil.com/`,
      'http://user@localhost:3000/',
    ]) {
      const refused = await startFlow(server, session.accessToken, 'acme', { returnTo });
      expect(refused.status, returnTo).toBe(400);
    }
    const flow = await startFlow(server, session.accessToken, 'acme', { returnTo: `${ORIGIN}/shop?step=2` });
    expect(flow.status).toBe(201);
    const page = await deliverCallback(server, await followToCallback(flow.body.url));
    expect(page.html).toContain(JSON.stringify(`${ORIGIN}/shop?step=2`));
    // A callback page never carries a credential.
    expect(page.html).not.toContain(flow.body.flowSecret);
  });

  it('a provider account with an unverified email never joins the account of that email', async () => {
    const grace = await addOidcProvider(server, 'acme-grace', 'grace', { linkByVerifiedEmail: true });
    const signup = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'grace@example.com', password: 'correct horse battery staple' },
    });
    expect(signup.status).toBe(201);
    const session = await startAnonymousSession(server);
    const flow = await completeFlow(server, session.accessToken, 'acme-grace');
    const linked = await redeem(session.accessToken, flow.flowId, flow.flowSecret);
    expect(linked.body.user.id).toBe('acme-grace:grace');
    const account = await api(server, 'GET', '/v1/users/grace@example.com', { headers: bearer(server.secretKey) });
    expect(account.body.identities.map((identity: { kind: string }) => identity.kind)).toEqual(['password']);
    await grace.stop();
  });
});
