import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatabase } from '../support/database.js';
import {
  api,
  connect,
  connectAnonymous,
  ORIGIN,
  setCookie,
  startAnonymousSession,
  eventually,
  startTestServer,
  TestSocket,
  type TestServer,
} from '../support/test-server.js';
import { ORIGIN_LOOK_ALIKES as LOOK_ALIKES } from '../support/test-server.js';

describe('WebSocket handshake', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('?key=pk starts an anonymous session: the session frame comes first, with working tokens', async () => {
    const socket = connect(server, { key: server.publishableKey });
    await socket.opened;
    expect(socket.ws.protocol).toBe('tessera.v1');
    const first = await socket.next();
    expect(first.type).toBe('session');
    expect(first.session).toMatchObject({ auth: 'anonymous', userId: null, tenantId: server.tenantId });
    expect(first.refreshToken).toMatch(/^rt_/);
    const cookie = setCookie(socket.upgradeHeaders['set-cookie'] as string[], 'tessera_anon');
    expect(cookie?.value.startsWith(`${first.session.anonymousId}.`)).toBe(true);
    expect(cookie?.attributes).toContain('HttpOnly');

    const me = await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${first.accessToken}` } });
    expect(me.body.session.id).toBe(first.session.id);
    const refreshed = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(refreshed.status).toBe(200);
    await socket.roundTrip();
    socket.close();
  });

  it('?key=pk with the tessera_anon cookie keeps the browser’s anonymous id', async () => {
    const { socket, session } = await connectAnonymous(server);
    const cookie = setCookie(socket.upgradeHeaders['set-cookie'] as string[], 'tessera_anon')!.value;
    socket.close();
    const again = connect(server, { key: server.publishableKey, headers: { cookie: `tessera_anon=${cookie}` } });
    const second = await again.nextOfType('session');
    expect(second.session.anonymousId).toBe(session.session.anonymousId);
    expect(second.session.id).not.toBe(session.session.id);
    again.close();
  });

  it('a bearer subprotocol opens the session’s socket with a ready frame, echoing only tessera.v1', async () => {
    const tokens = await startAnonymousSession(server);
    const socket = connect(server, { token: tokens.accessToken });
    await socket.opened;
    expect(socket.ws.protocol).toBe('tessera.v1');
    const first = await socket.next();
    expect(first).toMatchObject({ type: 'ready', session: { id: tokens.session.id, auth: 'anonymous' }, expiresAt: tokens.expiresAt });
    socket.close();
  });

  it('?token= is accepted too', async () => {
    const tokens = await startAnonymousSession(server);
    const socket = connect(server, { query: `token=${tokens.accessToken}` });
    expect((await socket.nextOfType('ready')).session.id).toBe(tokens.session.id);
    socket.close();
  });

  it('the access cookie is accepted with an allowed Origin, and never on its own', async () => {
    const started = await api(server, 'POST', '/v1/sessions', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { tokenTransport: 'cookie' },
    });
    const cookie = `tessera_at=${setCookie(started.headers, 'tessera_at')!.value}`;
    const sameOrigin = connect(server, { headers: { cookie } });
    expect((await sameOrigin.nextOfType('ready')).session.id).toBe(started.body.session.id);
    sameOrigin.close();

    const cookieAlone = connect(server, { headers: { cookie }, origin: null });
    expect(await cookieAlone.closed).toEqual({ code: 1008, reason: 'UNAUTHENTICATED' });
    const crossSite = connect(server, { headers: { cookie }, origin: 'http://evil.com' });
    expect(await crossSite.refusedStatus()).toBe(403);
  });

  it('a native app (no Origin) may use a bearer token', async () => {
    const tokens = await startAnonymousSession(server);
    const socket = connect(server, { token: tokens.accessToken, origin: null });
    expect((await socket.nextOfType('ready')).session.id).toBe(tokens.session.id);
    socket.close();
  });

  it('no credentials at all: closed with 1008 UNAUTHENTICATED', async () => {
    const socket = connect(server, {});
    expect(await socket.closed).toEqual({ code: 1008, reason: 'UNAUTHENTICATED' });
  });

  it('refuses a wrong, malformed or secret key in ?key=', async () => {
    for (const key of ['pk_nope', server.secretKey, `pk_${'a'.repeat(20)}_${'b'.repeat(32)}`]) {
      const socket = connect(server, { key });
      const closed = await socket.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toBe('INVALID_API_KEY');
      expect(socket.frames).toEqual([]);
    }
  });

  it('serves only /v1/ws', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/elsewhere`, ['tessera.v1'], { origin: ORIGIN });
    expect(await new TestSocket(ws).refusedStatus()).toBe(404);
  });

  describe('foreign and look-alike origins are refused with HTTP 403 before the upgrade', () => {
    for (const origin of LOOK_ALIKES) {
      it(`${origin}, with a publishable key: no socket and no session`, async () => {
        const db = inspectDatabase(server.dataDir);
        const before = db.count('sessions');
        const socket = connect(server, { key: server.publishableKey, origin });
        expect(await socket.refusedStatus()).toBe(403);
        expect(socket.upgradeHeaders).toEqual({});
        expect(db.count('sessions')).toBe(before);
        db.close();
      });

      it(`${origin}, with a valid access token`, async () => {
        const tokens = await startAnonymousSession(server);
        const socket = connect(server, { token: tokens.accessToken, origin });
        expect(await socket.refusedStatus()).toBe(403);
      });
    }

    it('a foreign origin is refused before its credentials are even read (a garbage token gets 403, not 1008)', async () => {
      const socket = connect(server, { token: 'garbage.token.here', origin: 'http://evil.example' });
      expect(await socket.refusedStatus()).toBe(403);
    });

    it('an allowed origin added later is accepted at once, and a removed one refused at once', async () => {
      const patch = (allowedOrigins: string[]) =>
        api(server, 'PATCH', '/v1/settings', {
          headers: { authorization: `Bearer ${server.secretKey}` },
          body: { allowedOrigins },
          origin: null,
        });
      expect((await patch([ORIGIN, 'https://shop.example'])).status).toBe(200);
      const added = connect(server, { key: server.publishableKey, origin: 'https://shop.example' });
      await added.nextOfType('session');
      added.close();
      expect((await patch([ORIGIN])).status).toBe(200);
      const removed = connect(server, { key: server.publishableKey, origin: 'https://shop.example' });
      expect(await removed.refusedStatus()).toBe(403);
    });
  });

  it('a client may send frames the moment the socket opens: none is lost', async () => {
    const tokens = await startAnonymousSession(server);
    for (let attempt = 0; attempt < 5; attempt++) {
      const ws = new WebSocket(server.wsUrl, ['tessera.v1', `bearer.${tokens.accessToken}`], { origin: ORIGIN });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'ping' })));
      const socket = new TestSocket(ws);
      await socket.nextOfType('pong');
      socket.close();
    }
    const anonymous = new WebSocket(`${server.wsUrl}?key=${server.publishableKey}`, ['tessera.v1'], { origin: ORIGIN });
    anonymous.once('open', () => anonymous.send(JSON.stringify({ type: 'message', id: 'early', content: 'hello' })));
    const socket = new TestSocket(anonymous);
    expect((await socket.nextOfType('session')).type).toBe('session');
    expect((await socket.nextOfType('ack')).id).toBe('early');
    socket.close();
  });

  it('…also when the store answers slowly (as a networked database does)', async () => {
    const { services } = server.app;
    const user = await services.users.upsert(server.tenantId, 'early-bird', { name: 'Early Bird' });
    const tokens = await services.sessions.startForUser(await services.tenants.get(server.tenantId), user);
    const restore = withLatency(services.store.users, 'get', 40);
    try {
      const ws = new WebSocket(server.wsUrl, ['tessera.v1', `bearer.${tokens.accessToken}`], { origin: ORIGIN });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'ping' })));
      const socket = new TestSocket(ws);
      await socket.nextOfType('pong');
      expect((await socket.nextOfType('ready')).session.userId).toBe('early-bird');
      socket.close();
    } finally {
      restore();
    }
  });
});

/** Makes one store method answer `ms` later, as a database across a network would. Returns the undo. */
function withLatency<T extends object>(target: T, method: keyof T & string, ms: number): () => void {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return original.apply(target, args);
  };
  return () => {
    (target as Record<string, unknown>)[method] = original;
  };
}

describe('per-IP connection cap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { maxConnectionsPerIp: 3 } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('refuses connections over the cap with 429, and frees a slot when a socket closes', async () => {
    const tokens = await startAnonymousSession(server);
    const open = [];
    for (let i = 0; i < 3; i++) {
      const socket = connect(server, { token: tokens.accessToken });
      await socket.nextOfType('ready');
      open.push(socket);
    }
    const over = connect(server, { token: tokens.accessToken });
    expect(await over.refusedStatus()).toBe(429);
    open[0].close();
    await open[0].closed;
    const reopened = await openWhenFree(server, tokens.accessToken);
    await reopened.nextOfType('ready');
    for (const socket of [...open.slice(1), reopened]) socket.close();
    await Promise.all([...open.slice(1), reopened].map((socket) => socket.closed));
  });

  it('holds under a burst: of 12 simultaneous handshakes at most 3 get a socket', async () => {
    const tokens = await startAnonymousSession(server);
    const sockets = Array.from({ length: 12 }, () => connect(server, { token: tokens.accessToken }));
    const outcomes = await Promise.allSettled(sockets.map((socket) => socket.opened));
    const opened = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    expect(opened).toBeLessThanOrEqual(3);
    expect(opened).toBeGreaterThan(0);
    for (const socket of sockets) socket.ws.terminate();
  });

  it('holds under a burst when the store answers slowly', async () => {
    await eventually(() => server.app.gateway.openSockets === 0);
    const restore = withLatency(server.app.services.store.apiKeys, 'get', 40);
    try {
      const sockets = Array.from({ length: 12 }, () => connect(server, { key: server.publishableKey }));
      const outcomes = await Promise.allSettled(sockets.map((socket) => socket.opened));
      const refused = outcomes
        .filter((outcome) => outcome.status === 'rejected')
        .map((outcome) => (outcome as PromiseRejectedResult).reason.status);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeLessThanOrEqual(3);
      expect(refused.every((status) => status === 429)).toBe(true);
      for (const socket of sockets) socket.ws.terminate();
      await Promise.all(sockets.map((socket) => socket.closed));
    } finally {
      restore();
    }
  });

  it('frees the slots of refused handshakes (bad token, bad key)', async () => {
    await eventually(() => server.app.gateway.openSockets === 0);
    await openWhenFree(server, 'garbage').catch(() => undefined);
    for (let i = 0; i < 8; i++) {
      const socket = connect(server, { token: 'garbage' });
      expect((await socket.closed).code).toBe(1008);
    }
    const tokens = await startAnonymousSession(server);
    const ready = await openWhenFree(server, tokens.accessToken);
    await ready.nextOfType('ready');
    ready.close();
  });
});

/** Connects with `token` once a slot of the per-IP cap is free again (the server frees it when the TCP connection ends). */
async function openWhenFree(server: TestServer, token: string): Promise<TestSocket> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const socket = connect(server, { token });
    try {
      await socket.opened;
      return socket;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error('no slot became free');
}
