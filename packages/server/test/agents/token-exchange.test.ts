import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, withClaims } from '../support/tokens.js';
import { api, connect, connectAnonymous, startTestServer, type TestServer } from '../support/test-server.js';
import {
  ACCESS_TOKEN_TYPE,
  CapturingAgent,
  EXCHANGE_GRANT,
  exchange,
  JWT_TOKEN_TYPE,
  otherTenant,
  postForm,
  secretKeyWith,
  toolTokenOf,
} from './oauth-support.js';

const SCOPES = { anonymous: ['faq:read'], user: ['orders:read', 'orders:write', 'profile:read'] };

describe('token exchange (RFC 8693): a tool token for the same session, never wider', () => {
  const agent = new CapturingAgent();
  let server: TestServer;
  let audience: string;
  let exchangeKey: string;
  /** A signed-in session's socket and access token, with a tool token of one of its turns. */
  let user: { accessToken: string; toolToken: string; conversationId: string };

  beforeAll(async () => {
    server = await startTestServer({ agent, settings: { agent: { scopes: SCOPES } } });
    audience = `tessera:tools:${server.tenantId}`;
    exchangeKey = await secretKeyWith(server, ['tokens:exchange']);
    const minted = await api(server, 'POST', '/v1/auth/tokens', {
      body: { userId: 'exchange-user' },
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    const socket = connect(server, { token: minted.body.accessToken });
    await socket.nextOfType('ready');
    const { token, conversationId } = await toolTokenOf(agent, socket);
    socket.close();
    user = { accessToken: minted.body.accessToken, toolToken: token, conversationId };
  });
  afterAll(() => server.stop({ removeData: true }));

  it('narrows a tool token: same session, person and sign-in, the scope asked for, no longer-lived', async () => {
    const response = await exchange(
      server,
      { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE, scope: 'orders:read', audience },
      exchangeKey,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual({
      access_token: expect.any(String),
      issued_token_type: JWT_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: 'orders:read',
    });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(response.body.access_token, jwks, { typ: 'tessera-tool+jwt', audience });
    expect(protectedHeader.typ).toBe('tessera-tool+jwt');
    const subject = decodeJwt(user.toolToken).claims;
    for (const claim of ['sub', 'uid', 'sid', 'ver', 'cid', 'auth_time', 'amr', 'iss'] as const)
      expect(payload[claim]).toEqual(subject[claim]);
    expect(payload.cid).toBe(user.conversationId);
    expect(payload.act).toEqual({ sub: 'agent' });
    expect(payload.scope).toBe('orders:read');
    expect(payload.jti).not.toBe(subject.jti);
    expect(payload.exp).toBeLessThanOrEqual(subject.exp);
    expect(response.body.expires_in).toBeLessThanOrEqual(300);
    expect(response.body.expires_in).toBe(payload.exp! - payload.iat!);
  });

  it('gives a tool token the same scope when none is asked for, and from an access token all the tenant grants', async () => {
    const same = await exchange(server, { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE }, exchangeKey);
    expect(same.status).toBe(200);
    expect(same.body.scope).toBe('orders:read orders:write profile:read');

    const fromAccess = await exchange(server, { subject_token: user.accessToken, subject_token_type: ACCESS_TOKEN_TYPE }, exchangeKey);
    expect(fromAccess.status).toBe(200);
    expect(fromAccess.body.scope).toBe('orders:read orders:write profile:read');
    const claims = decodeJwt(fromAccess.body.access_token).claims;
    const access = decodeJwt(user.accessToken).claims;
    expect(claims).toMatchObject({
      aud: audience,
      sub: access.sub,
      uid: 'exchange-user',
      sid: access.sid,
      ver: access.ver,
      auth_time: access.auth_time,
      amr: ['srv'],
    });
    expect(claims.cid).toBeUndefined(); // no turn, no conversation
    // And the result can be exchanged again, narrower still.
    const narrower = await exchange(
      server,
      { subject_token: fromAccess.body.access_token, subject_token_type: JWT_TOKEN_TYPE, scope: 'profile:read' },
      exchangeKey,
    );
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('profile:read');
  });

  it('refuses a wider scope (invalid_scope) rather than narrowing it silently', async () => {
    const narrow = await exchange(
      server,
      { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE, scope: 'orders:read' },
      exchangeKey,
    );
    for (const scope of ['orders:read admin', 'orders:read orders:write', 'faq:read']) {
      const wider = await exchange(
        server,
        { subject_token: narrow.body.access_token, subject_token_type: JWT_TOKEN_TYPE, scope },
        exchangeKey,
      );
      expect({ scope, status: wider.status, error: wider.body.error }).toEqual({ scope, status: 400, error: 'invalid_scope' });
      expect(wider.body.access_token).toBeUndefined();
      expect(typeof wider.body.error_description).toBe('string');
      expect(wider.headers.get('cache-control')).toBe('no-store');
    }
    // An access token's subject is bound by the tenant's scopes for the session's state.
    const anonymous = await connectAnonymous(server);
    const beyond = await exchange(
      server,
      { subject_token: anonymous.session.accessToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: 'orders:read' },
      exchangeKey,
    );
    expect(beyond.body.error).toBe('invalid_scope');
    const allowed = await exchange(
      server,
      { subject_token: anonymous.session.accessToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: 'faq:read' },
      exchangeKey,
    );
    expect(allowed.status).toBe(200);
    anonymous.socket.close();
  });

  it('stays within what the tenant grants now: a later narrowing binds old tool tokens, a later widening does not reach them', async () => {
    const subject = { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE };
    await server.app.services.tenants.updateSettings(server.tenantId, { agent: { scopes: { ...SCOPES, user: ['orders:read'] } } });
    try {
      // The token's own scope is no longer all granted: asking for it (by default) is refused, not cut down.
      expect((await exchange(server, subject, exchangeKey)).body.error).toBe('invalid_scope');
      expect((await exchange(server, { ...subject, scope: 'profile:read' }, exchangeKey)).body.error).toBe('invalid_scope');
      const still = await exchange(server, { ...subject, scope: 'orders:read' }, exchangeKey);
      expect(still.status).toBe(200);
      expect(still.body.scope).toBe('orders:read');
    } finally {
      await server.app.services.tenants.updateSettings(server.tenantId, { agent: { scopes: SCOPES } });
    }
    await server.app.services.tenants.updateSettings(server.tenantId, {
      agent: { scopes: { ...SCOPES, user: [...SCOPES.user, 'orders:refund'] } },
    });
    try {
      expect((await exchange(server, { ...subject, scope: 'orders:refund' }, exchangeKey)).body.error).toBe('invalid_scope');
      // An access token's exchange gets what the tenant grants now.
      const fresh = await exchange(
        server,
        { subject_token: user.accessToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: 'orders:refund' },
        exchangeKey,
      );
      expect(fresh.status).toBe(200);
    } finally {
      await server.app.services.tenants.updateSettings(server.tenantId, { agent: { scopes: SCOPES } });
    }
  });

  it('refuses any audience but the tenant tool audience (invalid_target)', async () => {
    for (const target of ['https://evil.example', `tessera:tools:${server.tenantId}x`, server.tenantId]) {
      const response = await exchange(
        server,
        { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE, audience: target },
        exchangeKey,
      );
      expect({ target, status: response.status, error: response.body.error }).toEqual({ target, status: 400, error: 'invalid_target' });
    }
    const both = await exchange(
      server,
      { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE, audience: [audience, 'https://evil.example'] },
      exchangeKey,
    );
    expect(both.body.error).toBe('invalid_target');
    const resource = await exchange(
      server,
      { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE, resource: 'https://evil.example/api' },
      exchangeKey,
    );
    expect(resource.body.error).toBe('invalid_target');
  });

  it('follows a configured tool audience', async () => {
    const custom = 'https://tools.shop.example';
    await server.app.services.tenants.updateSettings(server.tenantId, { agent: { toolAudience: custom } });
    try {
      // A tool token issued for the old audience is not moved to the new one.
      const stale = await exchange(server, { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE }, exchangeKey);
      expect(stale.body.error).toBe('invalid_grant');
      const old = await exchange(server, { subject_token: user.accessToken, subject_token_type: ACCESS_TOKEN_TYPE, audience }, exchangeKey);
      expect(old.body.error).toBe('invalid_target');
      const fresh = await exchange(
        server,
        { subject_token: user.accessToken, subject_token_type: ACCESS_TOKEN_TYPE, audience: custom },
        exchangeKey,
      );
      expect(fresh.status).toBe(200);
      expect(decodeJwt(fresh.body.access_token).claims.aud).toBe(custom);
    } finally {
      await server.app.services.tenants.updateSettings(server.tenantId, { agent: { toolAudience: audience } });
    }
  });

  it('refuses a key without tokens:exchange, a bad key, and another tenant', async () => {
    const fields = { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE };
    for (const scopes of [['tokens:write'], ['tokens:introspect'], ['users:read', 'sessions:write']]) {
      const response = await exchange(server, fields, await secretKeyWith(server, scopes));
      expect({ scopes, status: response.status, error: response.body.error }).toEqual({
        scopes,
        status: 400,
        error: 'unauthorized_client',
      });
    }
    const bad = await exchange(server, fields, `${server.secretKey.slice(0, -4)}AAAA`);
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
    expect(bad.headers.get('cache-control')).toBe('no-store');
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await exchange(server, fields, server.publishableKey)).body.error).toBe('invalid_client');

    const other = await otherTenant(server);
    for (const [token, type] of [
      [user.toolToken, JWT_TOKEN_TYPE],
      [user.accessToken, ACCESS_TOKEN_TYPE],
    ]) {
      const response = await exchange(server, { subject_token: token, subject_token_type: type }, other.secretKey);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_grant');
    }
    // The admin key of this tenant may (admin holds every scope).
    expect((await exchange(server, fields)).status).toBe(200);
  });

  it('refuses a subject that is forged, of an ended session or superseded by a sign-in (invalid_grant)', async () => {
    const forged = withClaims(user.toolToken, (claims) => {
      claims.scope = 'orders:read orders:write profile:read admin';
    });
    expect((await exchange(server, { subject_token: forged, subject_token_type: JWT_TOKEN_TYPE }, exchangeKey)).body.error).toBe(
      'invalid_grant',
    );
    expect((await exchange(server, { subject_token: 'not-a-token', subject_token_type: JWT_TOKEN_TYPE }, exchangeKey)).body.error).toBe(
      'invalid_grant',
    );

    // An anonymous visitor's tool token dies when the session is signed in (ver bumped).
    const { socket, session } = await connectAnonymous(server);
    const anonymous = await toolTokenOf(agent, socket);
    expect((await exchange(server, { subject_token: anonymous.token, subject_token_type: JWT_TOKEN_TYPE }, exchangeKey)).status).toBe(200);
    const linked = await api(server, 'POST', `/v1/sessions/${session.session.id}/link`, {
      body: { userId: 'linked-later' },
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(linked.status).toBe(201);
    const afterLink = await exchange(server, { subject_token: anonymous.token, subject_token_type: JWT_TOKEN_TYPE }, exchangeKey);
    expect(afterLink.status).toBe(400);
    expect(afterLink.body.error).toBe('invalid_grant');

    // A revoked session's tokens are dead, both kinds.
    const revoked = await api(server, 'DELETE', `/v1/sessions/${session.session.id}`, {
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(revoked.status).toBeLessThan(300);
    const afterRevoke = await exchange(
      server,
      { subject_token: linked.body.accessToken, subject_token_type: ACCESS_TOKEN_TYPE },
      exchangeKey,
    );
    expect(afterRevoke.body.error).toBe('invalid_grant');
    socket.close();
  });

  it('answers malformed requests with RFC 6749 errors', async () => {
    const subject = { subject_token: user.toolToken, subject_token_type: JWT_TOKEN_TYPE };
    const post = (fields: Record<string, string | string[]>) => postForm(server, '/v1/oauth/token', fields, exchangeKey);
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{ ...subject }, 'invalid_request'],
      [{ ...subject, grant_type: 'client_credentials' }, 'unsupported_grant_type'],
      [{ ...subject, grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }, 'unsupported_grant_type'],
      [{ grant_type: EXCHANGE_GRANT, subject_token_type: JWT_TOKEN_TYPE }, 'invalid_request'],
      [{ grant_type: EXCHANGE_GRANT, subject_token: user.toolToken }, 'invalid_request'],
      [{ ...subject, grant_type: EXCHANGE_GRANT, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, 'invalid_request'],
      [{ ...subject, grant_type: [EXCHANGE_GRANT, EXCHANGE_GRANT] }, 'invalid_request'],
      [{ ...subject, grant_type: EXCHANGE_GRANT, scope: ['orders:read', 'orders:write'] }, 'invalid_request'],
      [{ ...subject, grant_type: EXCHANGE_GRANT, scope: '' }, 'invalid_request'],
      [{ ...subject, grant_type: EXCHANGE_GRANT, actor_token: user.accessToken }, 'invalid_request'],
      [{ ...subject, grant_type: EXCHANGE_GRANT, requested_token_type: ACCESS_TOKEN_TYPE }, 'invalid_request'],
    ];
    for (const [fields, error] of cases) {
      const response = await post(fields);
      expect({ fields, status: response.status, error: response.body.error }).toEqual({ fields, status: 400, error });
      expect(typeof response.body.error_description).toBe('string');
    }
    // Unknown parameters are ignored (RFC 6749 §3.2).
    expect((await post({ ...subject, grant_type: EXCHANGE_GRANT, something_else: 'x' })).status).toBe(200);

    // Form-encoded only: JSON is refused, in the same RFC shape.
    const json = await fetch(`${server.url}/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${exchangeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: EXCHANGE_GRANT, ...subject }),
    });
    expect(json.status).toBe(400);
    expect((await json.json()).error).toBe('invalid_request');
    expect(json.headers.get('cache-control')).toBe('no-store');
    const charset = await fetch(`${server.url}/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${exchangeKey}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ grant_type: EXCHANGE_GRANT, ...subject }).toString(),
    });
    expect(charset.status).toBe(200);
  });

  it('leaves JSON routes elsewhere alone', async () => {
    const response = await api(server, 'POST', '/v1/auth/tokens', {
      body: { userId: 'still-json' },
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(response.status).toBe(201);
    const form = await fetch(`${server.url}/v1/auth/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'userId=form-user',
    });
    expect(form.status).toBe(415);
  });
});
