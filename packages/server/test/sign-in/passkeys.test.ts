import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentEvent, AgentTurn } from '../../src/agents/index.js';
import { SoftAuthenticator, type SoftCredential } from '../support/soft-authenticator.js';
import { decodeJwt } from '../support/tokens.js';
import {
  api,
  chat,
  connectAnonymous,
  ManualClock,
  ORIGIN,
  startAnonymousSession,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

/** An agent a test scripts (the demo agent's answers otherwise). */
class ScriptedAgent implements Agent {
  script: ((turn: AgentTurn) => AsyncIterable<AgentEvent>) | null = null;
  async *reply(turn: AgentTurn): AsyncIterable<AgentEvent> {
    if (this.script) yield* this.script(turn);
    else yield { type: 'delta', content: `Got it: ${turn.message.content}` };
  }
}

const PASSWORD = 'correct horse battery staple';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (accessToken: string) => decodeJwt(accessToken).claims;
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Passkeys end to end over HTTP and the socket, with a software authenticator written from the
 * spec: the RP ID is `localhost` (the host of the default public URL), the page ORIGIN.
 */
describe('passkeys (WebAuthn)', () => {
  const clock = new ManualClock();
  const agent = new ScriptedAgent();
  let server: TestServer;
  /** Ada: a hosted account with a passkey on `adaKey`. */
  const adaKey = new SoftAuthenticator(ORIGIN);
  let ada: { accessToken: string; credential: SoftCredential };

  const admin = (method: string, path: string, body?: unknown) =>
    api(server, method, path, { headers: bearer(server.secretKey), origin: null, body });
  const as = (token: string, method: string, path: string, body?: unknown) => api(server, method, path, { headers: bearer(token), body });
  const me = async (token: string) => as(token, 'GET', '/v1/me');
  const auditOf = async (action: string) => (await admin('GET', `/v1/audit?action=${action}`)).body.entries as any[];
  const identitiesOf = async (userId: string) =>
    (await admin('GET', `/v1/users/${encodeURIComponent(userId)}`)).body.identities as Array<{
      id: string;
      kind: string;
      subject?: string;
    }>;

  /** A new anonymous chat that signs up to a hosted account: its access token, signed in. */
  async function signUp(email: string): Promise<string> {
    const session = await startAnonymousSession(server);
    const signedUp = await as(session.accessToken, 'POST', '/v1/auth/signup', { email, password: PASSWORD });
    expect(signedUp.status).toBe(201);
    return signedUp.body.accessToken;
  }

  async function register(accessToken: string, authenticator: SoftAuthenticator, name?: string) {
    const options = await as(accessToken, 'POST', '/v1/passkeys/registration/options');
    expect(options.status).toBe(200);
    const { credential, response } = authenticator.create(options.body);
    const registered = await as(accessToken, 'POST', '/v1/passkeys/registration', { response, ...(name && { name }) });
    expect(registered.status).toBe(201);
    return { credential, passkey: registered.body.passkey as { id: string; name: string; createdAt: number } };
  }

  const authenticationOptions = async (accessToken: string) => {
    const options = await as(accessToken, 'POST', '/v1/passkeys/authentication/options');
    expect(options.status).toBe(200);
    return options.body;
  };
  const link = (accessToken: string, response: unknown) => as(accessToken, 'POST', '/v1/auth/link', { method: 'passkey', response });

  /** Options for the chat, answered by `authenticator` (with `overrides`), redeemed over HTTP. */
  async function signInWith(
    accessToken: string,
    authenticator: SoftAuthenticator,
    overrides: Parameters<SoftAuthenticator['get']>[1] = {},
  ) {
    const assertion = authenticator.get(await authenticationOptions(accessToken), overrides);
    return { assertion, linked: await link(accessToken, assertion) };
  }

  const refused = { status: 401, body: { error: { code: 'INVALID_CREDENTIALS' } } };

  beforeAll(async () => {
    server = await startTestServer({ agent, config: { clock }, settings: { limits: { sessionsPerMinutePerAddress: 10_000 } } });
    const accessToken = await signUp('ada@example.com');
    ada = { accessToken, credential: (await register(accessToken, adaKey, 'Ada’s laptop')).credential };
  });
  afterAll(() => server?.stop({ removeData: true }));
  afterEach(() => {
    agent.script = null;
  });

  it("the relying party defaults to the public URL's host, the tenant's name and origins; PATCH /v1/settings changes it, validated", async () => {
    const options = await as(ada.accessToken, 'POST', '/v1/passkeys/registration/options');
    expect(options.body.rp).toEqual({ id: 'localhost', name: 'default' });
    expect((await authenticationOptions(ada.accessToken)).rpId).toBe('localhost');

    const patch = (passkeys: unknown) => admin('PATCH', '/v1/settings', { passkeys });
    expect((await patch({ rpId: 'https://localhost' })).status).toBe(400);
    expect((await patch({ rpId: 'localhost:3000' })).status).toBe(400);
    expect((await patch({ origins: ['http://localhost:3000/chat'] })).status).toBe(400);
    expect((await patch({ rpid: 'localhost' })).status).toBe(400);
    expect((await patch({ rpId: 'localhost', rpName: 'Tessera shop' })).status).toBe(200);
    expect((await admin('GET', '/v1/settings')).body.passkeys).toEqual({ rpId: 'localhost', rpName: 'Tessera shop' });
    expect((await as(ada.accessToken, 'POST', '/v1/passkeys/registration/options')).body.rp).toEqual({
      id: 'localhost',
      name: 'Tessera shop',
    });

    // Only the listed origins, once there is a list: the page's origin no longer passes.
    expect((await patch({ origins: ['https://shop.example'] })).status).toBe(200);
    const elsewhere = await signInWith((await startAnonymousSession(server)).accessToken, adaKey);
    expect(elsewhere.linked).toMatchObject(refused);
    expect((await patch({ origins: [ORIGIN] })).status).toBe(200);
    expect((await signInWith((await startAnonymousSession(server)).accessToken, adaKey)).linked.status).toBe(200);
  });

  it('registration needs a signed-in session; the options ask for a discoverable, user-verified passkey and exclude those held', async () => {
    const anonymous = await startAnonymousSession(server);
    expect(await as(anonymous.accessToken, 'POST', '/v1/passkeys/registration/options')).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    const spare = new SoftAuthenticator(ORIGIN);
    const forged = spare.create({
      challenge: 'AAAA',
      rp: { id: 'localhost', name: 'x' },
      user: { id: 'AAAA', name: 'x', displayName: 'x' },
    });
    expect((await as(anonymous.accessToken, 'POST', '/v1/passkeys/registration', { response: forged.response })).status).toBe(403);
    expect((await as(anonymous.accessToken, 'GET', '/v1/passkeys')).status).toBe(403);

    const grace = await signUp('grace@example.com');
    const options = (await as(grace, 'POST', '/v1/passkeys/registration/options')).body;
    expect(options).toMatchObject({
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
      excludeCredentials: [],
      timeout: 5 * 60_000,
      user: { name: 'grace@example.com' },
    });
    // The user handle is the internal id: no email, no customer id.
    expect(Buffer.from(options.user.id, 'base64url').toString()).toMatch(/^usr_/);

    // No user verification, a wrong origin, a wrong RP ID, a used challenge: refused.
    const graceKey = new SoftAuthenticator(ORIGIN);
    for (const overrides of [{ userVerified: false }, { origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const fresh = (await as(grace, 'POST', '/v1/passkeys/registration/options')).body;
      const { response } = graceKey.create(fresh, overrides);
      expect(await as(grace, 'POST', '/v1/passkeys/registration', { response })).toMatchObject(refused);
    }
    const fresh = (await as(grace, 'POST', '/v1/passkeys/registration/options')).body;
    const { response, credential } = graceKey.create(fresh);
    const registered = await as(grace, 'POST', '/v1/passkeys/registration', { response, name: 'Phone' });
    expect(registered).toMatchObject({ status: 201, body: { passkey: { id: expect.stringMatching(/^pkey_/), name: 'Phone' } } });
    expect(await as(grace, 'POST', '/v1/passkeys/registration', { response })).toMatchObject(refused); // the challenge is used

    // The same credential again, for another account: CONFLICT (credential ids are unique per tenant).
    const other = await signUp('other@example.com');
    const again = graceKey.create((await as(other, 'POST', '/v1/passkeys/registration/options')).body, { credential });
    expect(await as(other, 'POST', '/v1/passkeys/registration', { response: again.response })).toMatchObject({ status: 409 });

    const listed = await as(grace, 'GET', '/v1/passkeys');
    expect(listed.body.passkeys).toEqual([{ ...registered.body.passkey, lastUsedAt: null }]);
    expect((await as(grace, 'POST', '/v1/passkeys/registration/options')).body.excludeCredentials).toEqual([
      expect.objectContaining({ id: credential.id, type: 'public-key' }),
    ]);
    const identities = (await identitiesOf('grace@example.com')).map(({ kind, subject }) => ({ kind, subject }));
    expect(identities).toHaveLength(2); // (in any order: the test clock stands still)
    expect(identities).toEqual(expect.arrayContaining([{ kind: 'password' }, { kind: 'passkey', subject: credential.id }]));
    expect(await auditOf('passkey.registered')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: 'grace@example.com', details: expect.objectContaining({ name: 'Phone' }) }),
      ]),
    );
  });

  it('a new anonymous chat signs in with the passkey on its socket: the same session as Ada, its history kept, the old token dead', async () => {
    const { socket, session } = await connectAnonymous(server);
    await chat(socket, 'm1', 'hello before signing in');
    const options = await authenticationOptions(session.accessToken);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required', timeout: 5 * 60_000 });
    expect(options.allowCredentials ?? []).toEqual([]); // discoverable: the authenticator says whose

    socket.send({ type: 'authenticate', method: 'passkey', response: adaKey.get(options), id: 'a1' });
    const signedIn = await socket.nextOfType('authenticated');
    expect(signedIn).toMatchObject({ id: 'a1', user: { id: 'ada@example.com' }, session: { id: session.session.id, auth: 'user' } });
    expect(claimsOf(signedIn.accessToken)).toMatchObject({ amr: ['hwk'], auth_time: seconds(clock.now()) });
    socket.send({ type: 'history', id: 'h1' });
    const history = await socket.nextOfType('history');
    expect(history.messages.map((message: { content: string }) => message.content)).toEqual([
      'hello before signing in',
      'Got it: hello before signing in',
    ]);
    expect((await me(session.accessToken)).status).toBe(401);
    expect((await me(signedIn.accessToken)).body.user.id).toBe('ada@example.com');
    socket.close();

    // Over HTTP too, and the passkey's last use is recorded.
    const other = await startAnonymousSession(server);
    const { linked } = await signInWith(other.accessToken, adaKey);
    expect(linked).toMatchObject({ status: 200, body: { user: { id: 'ada@example.com' } } });
    expect(claimsOf(linked.body.accessToken).amr).toEqual(['hwk']);
    expect((await as(linked.body.accessToken, 'GET', '/v1/passkeys')).body.passkeys[0].lastUsedAt).toBe(clock.now());
  });

  it('refuses a wrong origin, a wrong RP ID, no user verification, a wrong type or a challenge not issued; the chat stays anonymous', async () => {
    const anonymous = await startAnonymousSession(server);
    for (const overrides of [
      { origin: 'https://evil.example' },
      { origin: 'http://localhost:3000.evil.com' },
      { rpId: 'evil.example' },
      { userVerified: false },
      { type: 'webauthn.create' },
      { challenge: Buffer.from('a challenge never issued').toString('base64url') },
    ]) {
      expect((await signInWith(anonymous.accessToken, adaKey, overrides)).linked).toMatchObject(refused);
    }
    expect((await me(anonymous.accessToken)).body).toMatchObject({ session: { auth: 'anonymous' }, user: null });
    // Without options first, there is nothing to answer.
    expect(await link(anonymous.accessToken, adaKey.get({ challenge: 'AAAA', rpId: 'localhost' }))).toMatchObject(refused);
  });

  it('a replayed assertion is refused: a challenge is answered once, and a new one needs a new signature', async () => {
    const first = await startAnonymousSession(server);
    const { assertion, linked } = await signInWith(first.accessToken, adaKey);
    expect(linked.status).toBe(200);
    // The same assertion on the (now signed-in) session, after new options, and on another chat with new options.
    await authenticationOptions(linked.body.accessToken);
    expect(await link(linked.body.accessToken, assertion)).toMatchObject(refused);
    const second = await startAnonymousSession(server);
    await authenticationOptions(second.accessToken);
    expect(await link(second.accessToken, assertion)).toMatchObject(refused);
    expect((await me(second.accessToken)).body.user).toBeNull();

    // A failed answer uses the challenge up too: the right one needs new options.
    const third = await startAnonymousSession(server);
    const options = await authenticationOptions(third.accessToken);
    expect(await link(third.accessToken, adaKey.get(options, { origin: 'https://evil.example' }))).toMatchObject(refused);
    expect(await link(third.accessToken, adaKey.get(options))).toMatchObject(refused);
  });

  it('a signature counter that goes backwards is refused and audited; a forged low counter is only refused', async () => {
    const key = new SoftAuthenticator(ORIGIN);
    const owner = await signUp('counter@example.com');
    await register(owner, key);
    expect((await signInWith((await startAnonymousSession(server)).accessToken, key, { counter: 5 })).linked.status).toBe(200);

    // A clone of the authenticator, behind the original: a genuine signature, an old counter.
    const clone = await signInWith((await startAnonymousSession(server)).accessToken, key, { counter: 3 });
    expect(clone.linked).toMatchObject(refused);
    const equal = await signInWith((await startAnonymousSession(server)).accessToken, key, { counter: 5 });
    expect(equal.linked).toMatchObject(refused);
    const audited = (await auditOf('passkey.counter_regressed')).filter((entry) => entry.target === 'counter@example.com');
    expect(audited.map((entry) => entry.details)).toEqual([
      expect.objectContaining({ storedCounter: 5, presentedCounter: 5 }),
      expect.objectContaining({ storedCounter: 5, presentedCounter: 3 }),
    ]);

    // Someone without the key cannot make noise in the log: the signature is checked first.
    const stranger = new SoftAuthenticator(ORIGIN);
    const { privateKey } = stranger.create({
      challenge: 'AAAA',
      rp: { name: 'x' },
      user: { id: 'AAAA', name: 'x', displayName: 'x' },
    }).credential;
    const forged = await signInWith((await startAnonymousSession(server)).accessToken, key, { counter: 1, signWith: privateKey });
    expect(forged.linked).toMatchObject(refused);
    expect((await auditOf('passkey.counter_regressed')).filter((entry) => entry.target === 'counter@example.com')).toHaveLength(2);

    // The counter stored is still 5: the original authenticator, ahead, signs in.
    expect((await signInWith((await startAnonymousSession(server)).accessToken, key, { counter: 6 })).linked.status).toBe(200);
  });

  it("another tenant's passkey never matches; another user's passkey signs in as them only, never with this user's handle", async () => {
    const { services } = server.app;
    const tenant = await services.tenants.create('other', [ORIGIN]);
    const bobElsewhere = await services.users.upsert(tenant.id, 'bob');
    const issued = await services.sessions.startForUser(tenant, bobElsewhere);
    const elsewhereKey = new SoftAuthenticator(ORIGIN);
    await register(issued.accessToken, elsewhereKey);
    const here = await startAnonymousSession(server);
    expect((await signInWith(here.accessToken, elsewhereKey)).linked).toMatchObject(refused);

    const bobKey = new SoftAuthenticator(ORIGIN);
    await register(await signUp('bob@example.com'), bobKey);
    const adaHandle = ada.credential.userHandle;
    // Bob's passkey claiming to be Ada's user (the user handle), or Ada's credential id signed by Bob's key.
    expect((await signInWith(here.accessToken, bobKey, { userHandle: adaHandle })).linked).toMatchObject(refused);
    const bobPrivate = bobKey.credentials[0]!.privateKey;
    expect((await signInWith(here.accessToken, adaKey, { signWith: bobPrivate })).linked).toMatchObject(refused);
    expect((await me(here.accessToken)).body.user).toBeNull();
    expect((await signInWith(here.accessToken, bobKey)).linked.body.user.id).toBe('bob@example.com');
  });

  it("a challenge of another session is refused, and does not use up that session's challenge", async () => {
    const mine = await startAnonymousSession(server);
    const theirs = await startAnonymousSession(server);
    const assertion = adaKey.get(await authenticationOptions(mine.accessToken));
    expect(await link(theirs.accessToken, assertion)).toMatchObject(refused); // no options of its own
    await authenticationOptions(theirs.accessToken);
    expect(await link(theirs.accessToken, assertion)).toMatchObject(refused); // its own options differ
    expect((await me(theirs.accessToken)).body.user).toBeNull();
    expect((await link(mine.accessToken, assertion)).status).toBe(200);
  });

  it('a challenge lasts 5 minutes', async () => {
    const chatSession = await startAnonymousSession(server);
    const options = await authenticationOptions(chatSession.accessToken);
    clock.advance(5 * 60_000 + 1);
    expect(await link(chatSession.accessToken, adaKey.get(options))).toMatchObject(refused);
  });

  it("DELETE removes one's own passkey and its identity, never another's, never the last way to sign in", async () => {
    const owner = await signUp('keys@example.com');
    const key = new SoftAuthenticator(ORIGIN);
    const first = await register(owner, key, 'First');
    const second = await register(owner, key, 'Second');
    const intruder = await signUp('intruder@example.com');
    expect(await as(intruder, 'DELETE', `/v1/passkeys/${first.passkey.id}`)).toMatchObject({ status: 404 });
    expect((await as((await startAnonymousSession(server)).accessToken, 'DELETE', `/v1/passkeys/${first.passkey.id}`)).status).toBe(403);
    expect((await as(intruder, 'GET', '/v1/passkeys')).body.passkeys).toEqual([]);

    const password = (await identitiesOf('keys@example.com')).find((identity) => identity.kind === 'password')!;
    expect((await admin('DELETE', `/v1/users/keys@example.com/identities/${password.id}`)).status).toBe(204);
    expect((await as(owner, 'DELETE', `/v1/passkeys/${first.passkey.id}`)).status).toBe(204);
    expect((await identitiesOf('keys@example.com')).map((identity) => identity.subject)).toEqual([second.credential.id]);
    expect(
      (await signInWith((await startAnonymousSession(server)).accessToken, key, { credential: first.credential })).linked,
    ).toMatchObject(refused);
    expect(await as(owner, 'DELETE', `/v1/passkeys/${second.passkey.id}`)).toMatchObject({
      status: 409,
      body: { error: { code: 'CONFLICT' } },
    });
    expect((await as(owner, 'GET', '/v1/passkeys')).body.passkeys.map((passkey: { name: string }) => passkey.name)).toEqual(['Second']);
    expect((await auditOf('passkey.deleted')).some((entry) => entry.target === 'keys@example.com')).toBe(true);

    // A passkey whose identity an admin removed signs in no more.
    const owner2 = await signUp('removed@example.com');
    const key2 = new SoftAuthenticator(ORIGIN);
    await register(owner2, key2);
    const identity = (await identitiesOf('removed@example.com')).find((candidate) => candidate.kind === 'passkey')!;
    expect((await admin('DELETE', `/v1/users/removed@example.com/identities/${identity.id}`)).status).toBe(204);
    expect((await signInWith((await startAnonymousSession(server)).accessToken, key2)).linked).toMatchObject(refused);
    // …and the credential went with it.
    const ownerOf2 = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${(await startAnonymousSession(server)).accessToken}` },
      body: { method: 'password', email: 'removed@example.com', password: PASSWORD },
    });
    expect((await as(ownerOf2.body.accessToken, 'GET', '/v1/passkeys')).body.passkeys).toEqual([]);
  });

  it("re-authentication with the passkey refreshes auth_time and amr, which satisfies an agent's maxAgeSeconds", async () => {
    agent.script = async function* (turn) {
      if (turn.identity.authTime === null || clock.now() / 1000 - turn.identity.authTime > 60) {
        yield { type: 'auth_required', reason: 'Confirm it is you', maxAgeSeconds: 60 };
        return;
      }
      yield { type: 'delta', content: `Refund sent for ${turn.identity.userId} (${turn.identity.amr.join(',')})` };
    };
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password: PASSWORD });
    const first = await socket.nextOfType('authenticated');
    expect(claimsOf(first.accessToken).amr).toEqual(['pwd']);
    clock.advance(5 * 60_000);
    socket.send({ type: 'message', id: 'm1', content: 'refund my order' });
    const messageId = (await socket.next((frame) => frame.type === 'ack' && frame.id === 'm1')).messageId;
    expect(await socket.nextOfType('auth_required')).toMatchObject({ replyTo: messageId, maxAgeSeconds: 60 });

    const options = await authenticationOptions(first.accessToken);
    socket.send({ type: 'authenticate', method: 'passkey', response: adaKey.get(options) });
    const again = await socket.nextOfType('authenticated');
    expect(again.session).toMatchObject({ id: session.session.id, ver: first.session.ver });
    expect(claimsOf(again.accessToken)).toMatchObject({ amr: ['hwk'], auth_time: seconds(clock.now()) });
    const rerun = await socket.next((frame) => frame.type === 'message' && frame.replyTo === messageId);
    expect(rerun.content).toBe('Refund sent for ada@example.com (hwk)');
    await socket.roundTrip(); // the socket stayed open
    socket.close();
  });

  it('erasing a user deletes their passkeys; the export lists them', async () => {
    const owner = await signUp('erase@example.com');
    const key = new SoftAuthenticator(ORIGIN);
    const { passkey } = await register(owner, key, 'Erasable');
    const exported = await admin('GET', '/v1/users/erase@example.com/export');
    expect(exported.body.passkeys).toEqual([{ id: passkey.id, name: 'Erasable', createdAt: passkey.createdAt, lastUsedAt: null }]);
    expect((await admin('DELETE', '/v1/users/erase@example.com')).body.deleted).toMatchObject({ users: 1, identities: 2 });
    expect(await server.app.services.store.passkeys.findByCredential(server.tenantId, key.credentials[0]!.id)).toBeNull();
    expect((await signInWith((await startAnonymousSession(server)).accessToken, key)).linked).toMatchObject(refused);
  });
});
