import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, withClaims } from '../support/tokens.js';
import { api, connect, connectAnonymous, ManualClock, startTestServer, type TestServer } from '../support/test-server.js';
import {
  CapturingAgent,
  exchange,
  introspect,
  JWT_TOKEN_TYPE,
  otherTenant,
  postForm,
  secretKeyWith,
  toolTokenOf,
} from './oauth-support.js';

const SCOPES = { anonymous: ['faq:read'], user: ['orders:read', 'profile:read'] };

const backend = (server: TestServer, method: string, path: string, body?: unknown) =>
  api(server, method, path, { body, headers: { authorization: `Bearer ${server.secretKey}` }, origin: null });

/** A session signed in as `userId` by the backend, with a socket, its access token and a tool token of a turn. */
async function signedIn(server: TestServer, agent: CapturingAgent, userId: string) {
  const minted = await backend(server, 'POST', '/v1/auth/tokens', { userId });
  expect(minted.status).toBe(201);
  const socket = connect(server, { token: minted.body.accessToken });
  await socket.nextOfType('ready');
  const tool = await toolTokenOf(agent, socket);
  return { socket, accessToken: minted.body.accessToken as string, sessionId: minted.body.session.id as string, ...tool };
}

/** An anonymous session with a socket, its access token and a tool token of a turn. */
async function anonymous(server: TestServer, agent: CapturingAgent) {
  const { socket, session } = await connectAnonymous(server);
  const tool = await toolTokenOf(agent, socket);
  return { socket, accessToken: session.accessToken, session: session.session, ...tool };
}

async function expectInactive(server: TestServer, token: string, key?: string) {
  const response = await introspect(server, token, key);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ active: false });
}

describe('introspection (RFC 7662): active only while the token and its session are live', () => {
  const agent = new CapturingAgent();
  let server: TestServer;
  let introspectKey: string;
  beforeAll(async () => {
    server = await startTestServer({ agent, settings: { agent: { scopes: SCOPES } } });
    introspectKey = await secretKeyWith(server, ['tokens:introspect']);
  });
  afterAll(() => server.stop({ removeData: true }));

  it('describes a live tool token and a live access token of the tenant', async () => {
    const user = await signedIn(server, agent, 'intro-user');
    const access = decodeJwt(user.accessToken).claims;

    const tool = await introspect(server, user.token, introspectKey);
    expect(tool.status).toBe(200);
    expect(tool.headers.get('cache-control')).toBe('no-store');
    const toolClaims = decodeJwt(user.token).claims;
    expect(tool.body).toEqual({
      active: true,
      typ: 'tessera-tool+jwt',
      iss: toolClaims.iss,
      sub: access.sub,
      uid: 'intro-user',
      sid: user.sessionId,
      aud: `tessera:tools:${server.tenantId}`,
      scope: 'orders:read profile:read',
      cid: user.conversationId,
      act: { sub: 'agent' },
      auth_time: access.auth_time,
      amr: ['srv'],
      iat: toolClaims.iat,
      exp: toolClaims.exp,
      jti: toolClaims.jti,
    });

    const accessAnswer = await introspect(server, user.accessToken, introspectKey);
    expect(accessAnswer.body).toEqual({
      active: true,
      typ: 'at+jwt',
      iss: access.iss,
      sub: access.sub,
      uid: 'intro-user',
      sid: user.sessionId,
      aud: server.tenantId,
      auth_time: access.auth_time,
      amr: ['srv'],
      iat: access.iat,
      exp: access.exp,
      jti: access.jti,
    });

    // An exchanged token says which key obtained it.
    const exchanged = await exchange(server, { subject_token: user.token, subject_token_type: JWT_TOKEN_TYPE, scope: 'orders:read' });
    const answer = await introspect(server, exchanged.body.access_token, introspectKey);
    expect(answer.body).toMatchObject({ active: true, scope: 'orders:read', sid: user.sessionId, cid: user.conversationId });
    expect(answer.body.client_id).toMatch(/^key_/);
    user.socket.close();
  });

  it('describes an anonymous visitor without a user, auth_time or amr', async () => {
    const visitor = await anonymous(server, agent);
    const answer = await introspect(server, visitor.token, introspectKey);
    expect(answer.body).toMatchObject({ active: true, sub: visitor.session.anonymousId, sid: visitor.session.id, scope: 'faq:read' });
    expect(answer.body).not.toHaveProperty('uid');
    expect(answer.body).not.toHaveProperty('auth_time');
    expect(answer.body).not.toHaveProperty('amr');
    visitor.socket.close();
  });

  it('is inactive after logout', async () => {
    const visitor = await anonymous(server, agent);
    await expect(introspect(server, visitor.token, introspectKey)).resolves.toMatchObject({ body: { active: true } });
    const logout = await api(server, 'POST', '/v1/auth/logout', { headers: { authorization: `Bearer ${visitor.accessToken}` } });
    expect(logout.status).toBe(204);
    await expectInactive(server, visitor.token, introspectKey);
    await expectInactive(server, visitor.accessToken, introspectKey);
  });

  it('is inactive for the anonymous tokens once the session is signed in (linked away); the new ones are active', async () => {
    const visitor = await anonymous(server, agent);
    const linked = await backend(server, 'POST', `/v1/sessions/${visitor.session.id}/link`, { userId: 'linked-user' });
    expect(linked.status).toBe(201);
    await expectInactive(server, visitor.token, introspectKey);
    await expectInactive(server, visitor.accessToken, introspectKey);
    const fresh = await introspect(server, linked.body.accessToken, introspectKey);
    expect(fresh.body).toMatchObject({ active: true, uid: 'linked-user', sid: visitor.session.id, amr: ['srv'] });
    visitor.socket.close();
  });

  it('is inactive after the session is revoked, or the user or visitor erased', async () => {
    const revokedUser = await signedIn(server, agent, 'revoked-user');
    expect((await backend(server, 'DELETE', `/v1/sessions/${revokedUser.sessionId}`)).status).toBeLessThan(300);
    await expectInactive(server, revokedUser.token, introspectKey);
    await expectInactive(server, revokedUser.accessToken, introspectKey);

    const erasedUser = await signedIn(server, agent, 'erased-user');
    const erased = await backend(server, 'DELETE', '/v1/users/erased-user');
    expect(erased.status).toBe(200);
    expect(await server.app.services.store.sessions.get(erasedUser.sessionId)).toBeFalsy();
    await expectInactive(server, erasedUser.token, introspectKey);
    await expectInactive(server, erasedUser.accessToken, introspectKey);

    const visitor = await anonymous(server, agent);
    expect((await backend(server, 'DELETE', `/v1/anonymous/${visitor.session.anonymousId}`)).status).toBe(200);
    await expectInactive(server, visitor.token, introspectKey);
    await expectInactive(server, visitor.accessToken, introspectKey);
  });

  it("is inactive for another tenant's key, and for anything that is not a genuine token of ours", async () => {
    const user = await signedIn(server, agent, 'tenant-user');
    const other = await otherTenant(server);
    await expectInactive(server, user.token, other.secretKey);
    await expectInactive(server, user.accessToken, other.secretKey);
    for (const token of [
      'garbage',
      withClaims(user.token, (claims) => {
        claims.scope = 'admin';
      }),
      withClaims(user.accessToken, (claims) => {
        claims.uid = 'someone-else';
      }),
      server.secretKey,
    ]) {
      await expectInactive(server, token, introspectKey);
    }
    // Still active for its own tenant.
    await expect(introspect(server, user.token, introspectKey)).resolves.toMatchObject({ body: { active: true } });
    user.socket.close();
  });

  it('needs a secret key with tokens:introspect (or admin), and a token', async () => {
    const visitor = await anonymous(server, agent);
    for (const scopes of [['tokens:exchange'], ['tokens:write', 'users:read']]) {
      const response = await introspect(server, visitor.token, await secretKeyWith(server, scopes));
      expect({ scopes, status: response.status, error: response.body.error }).toEqual({ scopes, status: 401, error: 'insufficient_scope' });
      expect(response.body.active).toBeUndefined();
    }
    const bad = await introspect(server, visitor.token, 'sk_nope');
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
    expect((await introspect(server, visitor.token, server.publishableKey)).status).toBe(401);
    expect((await introspect(server, visitor.token, server.secretKey)).body.active).toBe(true); // admin

    const missing = await postForm(server, '/v1/oauth/introspect', { token_type_hint: 'access_token' }, introspectKey);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
    const twice = await postForm(server, '/v1/oauth/introspect', { token: [visitor.token, visitor.token] }, introspectKey);
    expect(twice.status).toBe(400);
    expect(twice.body.error).toBe('invalid_request');
    visitor.socket.close();
  });
});

describe('introspection and exchange after expiry', () => {
  const agent = new CapturingAgent();
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ agent, config: { clock }, settings: { agent: { scopes: SCOPES } } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('is inactive once the tool token (≤ 300 s) and then the access token (15 min) have expired', async () => {
    const visitor = await anonymous(server, agent);
    visitor.socket.close();
    const exp = decodeJwt(visitor.token).claims.exp as number;
    clock.set(exp * 1000 - 1000);
    await expect(introspect(server, visitor.token)).resolves.toMatchObject({ body: { active: true } });
    const late = await exchange(server, { subject_token: visitor.token, subject_token_type: JWT_TOKEN_TYPE });
    expect(late.status).toBe(200);
    // A successor never outlives its subject.
    expect(decodeJwt(late.body.access_token).claims.exp).toBeLessThanOrEqual(exp);
    expect(late.body.expires_in).toBeLessThanOrEqual(1);

    clock.set(exp * 1000);
    await expectInactive(server, visitor.token);
    await expectInactive(server, late.body.access_token);
    const expired = await exchange(server, { subject_token: visitor.token, subject_token_type: JWT_TOKEN_TYPE });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_grant');
    // The session and its access token are still live...
    await expect(introspect(server, visitor.accessToken)).resolves.toMatchObject({ body: { active: true } });
    // ...until the access token expires too.
    clock.set((decodeJwt(visitor.accessToken).claims.exp as number) * 1000);
    await expectInactive(server, visitor.accessToken);
  });

  it('is inactive once the session itself has expired, whatever the token', async () => {
    const visitor = await anonymous(server, agent);
    visitor.socket.close();
    // A fresh tool token from just before the anonymous session's idle expiry (24 h).
    const session = await server.app.services.store.sessions.get(visitor.session.id);
    clock.set(session!.idleExpiresAt - 10_000);
    const exchanged = await exchange(server, {
      subject_token: visitor.accessToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    // The access token itself has long expired (15 min): nothing to exchange.
    expect(exchanged.body.error).toBe('invalid_grant');
    const reissued = await server.app.services.sessions.reissueAccess(session!);
    const tool = await exchange(server, {
      subject_token: reissued.accessToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    expect(tool.status).toBe(200);
    await expect(introspect(server, tool.body.access_token)).resolves.toMatchObject({ body: { active: true } });
    clock.set(session!.idleExpiresAt);
    await expectInactive(server, tool.body.access_token);
    await expectInactive(server, reissued.accessToken);
  });
});
