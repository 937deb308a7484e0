import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/tenancy/settings.js';
import { api, connect, type TestServer, type TestSocket, startTestServer } from '../support/test-server.js';
import { b64url } from '../support/tokens.js';

/**
 * A new session must be no way around a limit: starting sessions is limited per address
 * and per publishable key, and messages per visitor and per address across sessions.
 * Every test speaks from its own address (X-Forwarded-For from a trusted proxy), so the
 * limits are the defaults and the tests do not share a budget.
 */
const { messagesPerMinute, messagesPerMinutePerAddress, sessionsPerMinutePerAddress } = DEFAULT_SETTINGS.limits;
const TRUSTED_LOOPBACK = { trustProxy: ['127.0.0.1', '::1'] };

const from = (address: string) => ({ 'x-forwarded-for': address });

/** The `name=value` pair of a Set-Cookie line, as a browser would send it back. */
function cookiePair(setCookie: string | string[] | undefined, name: string): string {
  const line = [setCookie ?? []].flat().find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie set`);
  return line.split(';')[0];
}

/** Sends one message: 'ack' (after its reply is in too) or the error code it was answered with. */
async function say(socket: TestSocket, id: string): Promise<string> {
  socket.send({ type: 'message', id, content: 'spam' });
  const frame = await socket.next((f) => (f.type === 'ack' || f.type === 'error') && f.id === id);
  if (frame.type === 'error') {
    if (frame.code === 'RATE_LIMITED') expect(frame.retryAfterMs).toBeGreaterThan(0);
    return frame.code;
  }
  await socket.next((f) => f.type === 'message' && f.replyTo === frame.messageId);
  return 'ack';
}

/** A socket of a new anonymous session over `?key=`, from `address`, optionally presenting a cookie. */
async function newSession(server: TestServer, address: string, cookie?: string) {
  const socket = connect(server, { key: server.publishableKey, headers: { ...from(address), ...(cookie ? { cookie } : {}) } });
  await socket.nextOfType('session');
  return socket;
}

describe('rate limits survive session churn', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: TRUSTED_LOOPBACK });
  });
  afterAll(() => server.stop({ removeData: true }));

  const startOverHttp = (address: string, key = server.publishableKey) =>
    api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': key, ...from(address) }, body: {} });

  it('POST /v1/sessions: one address gets 429 with Retry-After past its budget; another address does not', async () => {
    for (let i = 0; i < sessionsPerMinutePerAddress; i++) expect((await startOverHttp('203.0.113.1')).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const refused = await startOverHttp('203.0.113.1');
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await startOverHttp('203.0.113.2')).status).toBe(201);
  });

  it('the WebSocket ?key= handshake: one address is closed with RATE_LIMITED past its budget; another is served', async () => {
    for (let i = 0; i < sessionsPerMinutePerAddress; i++) (await newSession(server, '203.0.113.3')).close();
    const refused = connect(server, { key: server.publishableKey, headers: from('203.0.113.3') });
    const answer = await Promise.race([refused.closed, refused.nextOfType('session').then(() => 'a new session')]);
    expect(answer).toEqual({ code: 1008, reason: 'RATE_LIMITED' });
    const other = await newSession(server, '203.0.113.4');
    await other.roundTrip();
    other.close();
  });

  it('messages: a fresh anonymous session (and id) every few messages stops at the per-address budget', async () => {
    const since = Date.now();
    const outcomes: string[] = [];
    // The attack of the issue: 15 new sessions, 20 messages each, no cookie kept (a new anonymous id each time).
    for (let s = 0; s < 15; s++) {
      const socket = await newSession(server, '203.0.113.5');
      for (let m = 0; m < 20; m++) {
        const outcome = await say(socket, `s${s}m${m}`);
        outcomes.push(outcome);
        if (outcome !== 'ack') break;
      }
      socket.close();
    }
    expect(outcomes.filter((o) => o === 'ack')).toHaveLength(messagesPerMinutePerAddress);
    expect(outcomes.filter((o) => o !== 'ack').every((o) => o === 'RATE_LIMITED')).toBe(true);
    await server.app.services.messageWriter.drain();
    const stored = await server.app.services.store.messages.countByTenantSince(server.tenantId, since - 1000, Date.now() + 1000);
    expect(stored).toBe(2 * messagesPerMinutePerAddress); // each acknowledged message and its reply

    // Another address still chats.
    const other = await newSession(server, '203.0.113.6');
    expect(await say(other, 'other')).toBe('ack');
    other.close();
  });

  it('messages: new sessions of one anonymous id (its cookie kept) share one per-visitor budget', async () => {
    const first = await newSession(server, '203.0.113.7');
    const cookie = cookiePair(first.upgradeHeaders['set-cookie'], 'tessera_anon');
    first.close();
    let acked = 0;
    for (let s = 0; s < 5; s++) {
      const socket = await newSession(server, '203.0.113.7', cookie);
      for (let m = 0; m < messagesPerMinute; m++) {
        const outcome = await say(socket, `v${s}m${m}`);
        if (outcome !== 'ack') {
          expect(outcome).toBe('RATE_LIMITED');
          break;
        }
        acked++;
      }
      socket.close();
    }
    expect(acked).toBe(messagesPerMinute);
  });

  it("messages: a signed-in user's sessions share one per-user budget", async () => {
    const signedIn = async () => {
      const started = await startOverHttp('203.0.113.8');
      const linked = await api(server, 'POST', `/v1/sessions/${started.body.session.id}/link`, {
        headers: { 'x-api-key': server.secretKey },
        body: { userId: 'chatty' },
        origin: null,
      });
      expect(linked.status).toBe(201);
      const socket = connect(server, { token: linked.body.accessToken, headers: from('203.0.113.8') });
      await socket.nextOfType('ready');
      return socket;
    };
    const outcomes: string[] = [];
    for (let s = 0; s < 3; s++) {
      const socket = await signedIn();
      for (let m = 0; m < messagesPerMinute; m++) {
        const outcome = await say(socket, `u${s}m${m}`);
        outcomes.push(outcome);
        if (outcome !== 'ack') break;
      }
      socket.close();
    }
    expect(outcomes.filter((o) => o === 'ack')).toHaveLength(messagesPerMinute);
  });
});

describe('session starts per publishable key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: TRUSTED_LOOPBACK, settings: { limits: { sessionsPerMinutePerKey: 5 } } });
  });
  afterAll(() => server.stop({ removeData: true }));

  const start = (key: string, address: string) =>
    api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': key, ...from(address) }, body: {} });

  it('many addresses together cannot pass the key budget; another key of the tenant is unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await start(server.publishableKey, `198.51.100.${i + 1}`)).status).toBe(201);
    const refused = await start(server.publishableKey, '198.51.100.99');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const created = await api(server, 'POST', '/v1/keys', {
      body: { name: 'second widget', kind: 'publishable' },
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(created.status).toBe(201);
    expect((await start(created.body.key, '198.51.100.99')).status).toBe(201);
  });
});

describe('session starts with a partner init token', () => {
  const PARTNER_ORIGIN = 'https://partner.example';
  const SECRET = 'partner-shared-secret-0123456789-abcdefghij';
  let server: TestServer;
  let partnerId: string;
  beforeAll(async () => {
    server = await startTestServer({ config: TRUSTED_LOOPBACK });
    const partner = await api(server, 'POST', '/v1/partners', {
      body: { name: 'Partner', allowedOrigins: [PARTNER_ORIGIN], verification: { secret: SECRET } },
      headers: { authorization: `Bearer ${server.secretKey}` },
      origin: null,
    });
    expect(partner.status).toBe(201);
    partnerId = partner.body.id;
  });
  afterAll(() => server.stop({ removeData: true }));

  const initToken = () => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64url({ alg: 'HS256', typ: 'tessera-init+jwt' })}.${b64url({ iss: partnerId, aud: server.tenantId, iat: now, exp: now + 120, jti: randomUUID() })}`;
    return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
  };
  const start = (address: string) =>
    api(server, 'POST', '/v1/sessions', { body: { initToken: initToken() }, origin: PARTNER_ORIGIN, headers: from(address) });

  it('one address gets 429 past its budget; another address does not', async () => {
    for (let i = 0; i < sessionsPerMinutePerAddress; i++) expect((await start('192.0.2.1')).status).toBe(201);
    const refused = await start('192.0.2.1');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect((await start('192.0.2.2')).status).toBe(201);
  });
});
