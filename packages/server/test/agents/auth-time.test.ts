import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../support/tokens.js';
import {
  api,
  connect,
  connectAnonymous,
  ManualClock,
  startAnonymousSession,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

const IDENTITY_SECRET = 'customer-app-identity-secret-for-auth-time-0123456789';
const ISSUER = 'https://shop.example';

function identityToken(userId: string) {
  return new SignJWT({ sub: userId, name: userId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setIssuer(ISSUER)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(IDENTITY_SECRET));
}

const claimsOf = (accessToken: string) => decodeJwt(accessToken).claims;
const seconds = (ms: number) => Math.floor(ms / 1000);

describe('access tokens carry how and when the person signed in', () => {
  const clock = new ManualClock();
  let server: TestServer;
  const backend = (method: string, path: string, body?: unknown) =>
    api(server, method, path, { body, headers: { authorization: `Bearer ${server.secretKey}` }, origin: null });

  beforeAll(async () => {
    server = await startTestServer({
      config: { clock },
      settings: { identity: { verification: { secret: IDENTITY_SECRET }, issuer: ISSUER } as never },
    });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('an anonymous session carries neither, also after a refresh', async () => {
    const session = await startAnonymousSession(server);
    expect(claimsOf(session.accessToken)).not.toHaveProperty('auth_time');
    expect(claimsOf(session.accessToken)).not.toHaveProperty('amr');
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.body.accessToken)).not.toHaveProperty('auth_time');
    expect(claimsOf(refreshed.body.accessToken)).not.toHaveProperty('amr');
  });

  it('identity token: amr ["jwt"] and the sign-in time, kept by a refresh', async () => {
    clock.advance(1000);
    const session = await startAnonymousSession(server);
    const signedInAt = clock.now();
    const linked = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${session.accessToken}` },
      body: { method: 'jwt', token: await identityToken('jwt-user') },
    });
    expect(linked.status).toBe(200);
    expect(claimsOf(linked.body.accessToken)).toMatchObject({ auth_time: seconds(signedInAt), amr: ['jwt'], uid: 'jwt-user' });

    clock.advance(120_000);
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: linked.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    const claims = claimsOf(refreshed.body.accessToken);
    expect(claims.iat).toBe(seconds(clock.now()));
    expect(claims).toMatchObject({ auth_time: seconds(signedInAt), amr: ['jwt'] });
  });

  it('password: amr ["pwd"]', async () => {
    const signup = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'amr@example.com', password: 'a long enough password', name: 'Amr' },
    });
    expect(signup.status).toBe(201);
    clock.advance(1000);
    const session = await startAnonymousSession(server);
    const linked = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${session.accessToken}` },
      body: { method: 'password', email: 'amr@example.com', password: 'a long enough password' },
    });
    expect(linked.status).toBe(200);
    expect(claimsOf(linked.body.accessToken)).toMatchObject({ auth_time: seconds(clock.now()), amr: ['pwd'] });
  });

  it('backend mint and server-side link: amr ["srv"]', async () => {
    clock.advance(1000);
    const minted = await backend('POST', '/v1/auth/tokens', { userId: 'srv-user' });
    expect(minted.status).toBe(201);
    expect(claimsOf(minted.body.accessToken)).toMatchObject({ auth_time: seconds(clock.now()), amr: ['srv'] });

    clock.advance(1000);
    const session = await startAnonymousSession(server);
    const linked = await backend('POST', `/v1/sessions/${session.session.id}/link`, { userId: 'srv-linked' });
    expect(linked.status).toBe(201);
    expect(claimsOf(linked.body.accessToken)).toMatchObject({ auth_time: seconds(clock.now()), amr: ['srv'] });
  });

  it('signing in again as the same user re-authenticates: fresh auth_time, same ver, sockets stay open, no 4002', async () => {
    const { socket } = await connectAnonymous(server);
    socket.send({ type: 'authenticate', method: 'jwt', token: await identityToken('again-user') });
    const first = await socket.nextOfType('authenticated');
    const before = claimsOf(first.accessToken);
    expect(before).toMatchObject({ auth_time: seconds(clock.now()), amr: ['jwt'] });
    const sibling = connect(server, { token: first.accessToken });
    await sibling.nextOfType('ready');

    clock.advance(30_000);
    // In band, on the socket.
    socket.send({ type: 'authenticate', method: 'jwt', token: await identityToken('again-user') });
    const second = await socket.nextOfType('authenticated');
    const after = claimsOf(second.accessToken);
    expect(after.auth_time).toBe(before.auth_time + 30);
    expect(after).toMatchObject({ amr: ['jwt'], ver: before.ver, sid: before.sid, sub: before.sub, uid: 'again-user' });
    expect(second.previousConversations).toBeDefined();

    clock.advance(30_000);
    // Over HTTP, with the session's current token.
    const third = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${second.accessToken}` },
      body: { method: 'jwt', token: await identityToken('again-user') },
    });
    expect(third.status).toBe(200);
    expect(claimsOf(third.body.accessToken)).toMatchObject({ auth_time: before.auth_time + 60, ver: before.ver, sid: before.sid });

    // Both sockets are still open and served; neither was told the auth state changed.
    await socket.roundTrip();
    await sibling.roundTrip();
    expect(socket.closeCode).toBeNull();
    expect(sibling.closeCode).toBeNull();
    expect([...socket.frames, ...sibling.frames].filter((frame) => frame.type === 'error')).toEqual([]);

    // Another user, on the same session: CONFLICT, in band and over HTTP, and nothing changes.
    socket.send({ type: 'authenticate', method: 'jwt', token: await identityToken('someone-else') });
    const refused = await socket.nextOfType('error');
    expect(refused.code).toBe('CONFLICT');
    const overHttp = await api(server, 'POST', '/v1/auth/link', {
      headers: { authorization: `Bearer ${third.body.accessToken}` },
      body: { method: 'jwt', token: await identityToken('someone-else') },
    });
    expect(overHttp.status).toBe(409);
    expect(overHttp.body.error.code).toBe('CONFLICT');
    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${third.body.accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe('again-user');
    await socket.roundTrip();
    await sibling.roundTrip();
    socket.close();
    sibling.close();
  });
});
