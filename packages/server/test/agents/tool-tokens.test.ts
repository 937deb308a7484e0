import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../support/tokens.js';
import { api, connect, connectAnonymous, startTestServer, type TestServer } from '../support/test-server.js';
import { ACCESS_TOKEN_TYPE, CapturingAgent, exchange, JWT_TOKEN_TYPE, toolTokenOf } from './oauth-support.js';

const SCOPES = { anonymous: ['faq:read'], user: ['orders:read', 'profile:read'] };

describe('tool tokens: what a turn hands the agent', () => {
  const agent = new CapturingAgent();
  let server: TestServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  beforeAll(async () => {
    server = await startTestServer({ agent, settings: { agent: { scopes: SCOPES } } });
    jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  });
  afterAll(() => server.stop({ removeData: true }));

  it("verifies against our JWKS as a tool token for the tenant's tool audience, acting for the session's person", async () => {
    const { socket, session } = await connectAnonymous(server);
    const { token, turn, conversationId } = await toolTokenOf(agent, socket);
    const audience = `tessera:tools:${server.tenantId}`;
    const access = decodeJwt(session.accessToken).claims;

    const { payload, protectedHeader } = await jwtVerify(token, jwks, { typ: 'tessera-tool+jwt', audience, issuer: access.iss });
    expect(protectedHeader.typ).toBe('tessera-tool+jwt');
    expect(protectedHeader.kid).toBe(decodeProtectedHeader(session.accessToken).kid);
    expect(payload).toMatchObject({
      aud: audience,
      sub: access.sub,
      sid: session.session.id,
      ver: access.ver,
      cid: conversationId,
      scope: 'faq:read',
      act: { sub: 'agent' },
    });
    expect(payload.sub).toBe(session.session.anonymousId);
    expect(payload.uid).toBeUndefined();
    expect(payload.auth_time).toBeUndefined();
    expect(payload.amr).toBeUndefined();
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    expect(turn.toolTokenExpiresAt).toBe(payload.exp! * 1000);
    // It is for tools, not for us: verifying it as an access token (at+jwt) fails.
    await expect(jwtVerify(token, jwks, { typ: 'at+jwt' })).rejects.toThrow();
    socket.close();
  });

  it('carries the user, the user scopes, auth_time and amr once the session is signed in', async () => {
    const minted = await api(server, 'POST', '/v1/auth/tokens', {
      body: { userId: 'tool-user' },
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(minted.status).toBe(201);
    const socket = connect(server, { token: minted.body.accessToken });
    await socket.nextOfType('ready');
    const { token, conversationId } = await toolTokenOf(agent, socket);
    const access = decodeJwt(minted.body.accessToken).claims;
    const { payload } = await jwtVerify(token, jwks, { typ: 'tessera-tool+jwt', audience: `tessera:tools:${server.tenantId}` });
    expect(payload).toMatchObject({
      sub: access.sub,
      uid: 'tool-user',
      sid: access.sid,
      cid: conversationId,
      scope: 'orders:read profile:read',
      act: { sub: 'agent' },
      auth_time: access.auth_time,
      amr: ['srv'],
    });
    expect(payload.sub).not.toBe('tool-user'); // the internal id, like the access token's
    socket.close();
  });

  it('is refused as an access token: over HTTP and in the WebSocket handshake', async () => {
    const { socket } = await connectAnonymous(server);
    const { token } = await toolTokenOf(agent, socket);

    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('INVALID_TOKEN');
    const conversations = await api(server, 'GET', '/v1/conversations', { headers: { authorization: `Bearer ${token}` } });
    expect(conversations.status).toBe(401);

    const handshake = connect(server, { token });
    expect(await handshake.closed).toEqual({ code: 1008, reason: 'INVALID_TOKEN' });
    expect(handshake.frames.filter((frame) => frame.type === 'ready')).toEqual([]);

    // Nor as the subject of an exchange that says it is an access token.
    const swapped = await exchange(server, { subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE });
    expect(swapped.status).toBe(400);
    expect(swapped.body.error).toBe('invalid_grant');
    socket.close();
  });

  it('is never stood in for by an access token: exchange as a tool token, tool verification', async () => {
    const { socket, session } = await connectAnonymous(server);
    await toolTokenOf(agent, socket);
    const asTool = await exchange(server, { subject_token: session.accessToken, subject_token_type: JWT_TOKEN_TYPE });
    expect(asTool.status).toBe(400);
    expect(asTool.body.error).toBe('invalid_grant');
    // What a tool does with our JWKS, and what the server does itself.
    await expect(jwtVerify(session.accessToken, jwks, { typ: 'tessera-tool+jwt' })).rejects.toThrow();
    await expect(server.app.services.toolTokens.verify(session.accessToken, Date.now())).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    // The access token itself is fine: it is only the wrong kind here.
    expect((await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${session.accessToken}` } })).status).toBe(200);
    socket.close();
  });
});
