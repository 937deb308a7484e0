import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { api, connectAnonymous, ManualClock, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { bearer } from './flow-support.js';
import { codeIn, startMailServer } from './mail-support.js';

describe('sign-in by a code mailed to the address (real SMTP)', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    ({ server, smtp } = await startMailServer({ clock }));
  });
  afterAll(async () => {
    await server?.stop({ removeData: true });
    await smtp?.stop();
  });

  const ask = (email: string, headers: Record<string, string> = { 'x-tessera-key': server.publishableKey }) =>
    api(server, 'POST', '/v1/auth/email-code', { headers, body: { email } });
  const link = (accessToken: string, email: string, code: string, from = '127.0.0.1') =>
    api(server, 'POST', '/v1/auth/link', {
      headers: { ...bearer(accessToken), 'x-forwarded-for': from },
      body: { method: 'email_code', email, code },
    });
  const mailedCode = async (to: string) => codeIn((await smtp.nextMail({ to, timeoutMs: 5000 })).text);

  it('the right code signs the chat in on its socket, history kept; a new address becomes an account', async () => {
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'm1', content: 'hello before signing in' });
    const ack = await socket.nextOfType('ack');
    expect(await ask('New.Person@Example.com')).toMatchObject({ status: 202, body: {} });
    const mail = await smtp.nextMail({ to: 'new.person@example.com', timeoutMs: 5000 });
    expect(mail.subject).toContain('is your code for');
    expect(mail.html).toContain(codeIn(mail.text));

    socket.send({ type: 'authenticate', method: 'email_code', email: 'new.person@example.com', code: codeIn(mail.text), id: 'a1' });
    const authenticated = await socket.nextOfType('authenticated');
    expect(authenticated.user.id).toBe('new.person@example.com');
    expect(decodeJwt(authenticated.accessToken)).toMatchObject({ amr: ['otp'] });
    socket.send({ type: 'message', id: 'm2', content: 'after' });
    expect((await socket.nextOfType('ack')).conversationId).toBe(ack.conversationId);
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(session.accessToken) })).status).toBe(401);
    const user = await api(server, 'GET', '/v1/users/new.person@example.com', { headers: bearer(server.secretKey) });
    expect(user.body.identities.map((identity: { kind: string }) => identity.kind)).toEqual(['email']);
    socket.close();
  });

  it('refuses a wrong, reused, expired or other address’s code, and leaves the session anonymous', async () => {
    const session = await startAnonymousSession(server);
    await ask('ada@example.com');
    const code = await mailedCode('ada@example.com');
    const wrong = code === '000000' ? '000001' : '000000';
    expect(await link(session.accessToken, 'ada@example.com', wrong)).toMatchObject({
      status: 401,
      body: { error: { code: 'CODE_INVALID' } },
    });
    await ask('bob@example.com');
    const bobs = await mailedCode('bob@example.com');
    expect((await link(session.accessToken, 'ada@example.com', bobs)).status).toBe(401); // another address's code
    expect((await link(session.accessToken, 'ada@example.com', code)).status).toBe(200);

    const other = await startAnonymousSession(server);
    expect((await link(other.accessToken, 'ada@example.com', code)).body.error.code).toBe('CODE_INVALID'); // used
    await ask('carol@example.com');
    const carols = await mailedCode('carol@example.com');
    clock.advance(10 * 60_000 + 1);
    expect((await link(other.accessToken, 'carol@example.com', carols)).body.error.code).toBe('CODE_INVALID'); // expired
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(other.accessToken) })).body.session.auth).toBe('anonymous');
  });

  it('50 concurrent wrong guesses from 50 addresses: at most 5 are evaluated, then even the right code is dead', async () => {
    await ask('dave@example.com');
    const code = await mailedCode('dave@example.com');
    const session = await startAnonymousSession(server);
    const guesses = Array.from({ length: 50 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(guesses.map((guess, i) => link(session.accessToken, 'dave@example.com', guess, `10.9.0.${i + 1}`)));
    expect(answers.map((answer) => answer.body.error?.code)).toEqual(guesses.map(() => 'CODE_INVALID'));
    const tries = await server.app.services.store.emailCodes.countTry(server.tenantId, 'dave@example.com', 'sign_in', clock.now(), 1_000);
    expect(tries?.tries).toBeLessThanOrEqual(6); // 5 counted guesses, and this read's own count
    expect(await link(session.accessToken, 'dave@example.com', code, '10.9.1.1')).toMatchObject({
      status: 401,
      body: { error: { code: 'CODE_INVALID' } },
    });
  });

  it('answers a known and an unknown address alike; without sign-up an unknown address gets no mail', async () => {
    const known = await ask('ada@example.com');
    const unknown = await ask('nobody-yet@example.com');
    expect(known).toMatchObject({ status: 202, body: {} });
    expect(unknown).toMatchObject({ status: known.status, body: known.body });
    await mailedCode('ada@example.com');
    await mailedCode('nobody-yet@example.com');

    await api(server, 'PATCH', '/v1/settings', { headers: bearer(server.secretKey), body: { accounts: { signup: false } } });
    const closed = await ask('stranger@example.com');
    expect(closed).toMatchObject({ status: 202, body: {} });
    await ask('ada@example.com');
    const next = await smtp.nextMail({ timeoutMs: 5000 });
    expect(next.to).toContain('ada@example.com'); // the stranger's mail never went out
    await api(server, 'PATCH', '/v1/settings', { headers: bearer(server.secretKey), body: { accounts: { signup: true } } });
  });

  it('a code re-authenticates the signed-in user: a fresh auth_time and amr, the same session version', async () => {
    const session = await startAnonymousSession(server);
    await ask('reauth@example.com');
    const first = await link(session.accessToken, 'reauth@example.com', await mailedCode('reauth@example.com'));
    const before = decodeJwt(first.body.accessToken);
    clock.advance(10 * 60_000); // within the access token's life
    await ask('reauth@example.com');
    const again = await link(first.body.accessToken, 'reauth@example.com', await mailedCode('reauth@example.com'));
    expect(again.status).toBe(200);
    const after = decodeJwt(again.body.accessToken);
    expect(after.ver).toBe(before.ver);
    expect(after.auth_time).toBe(Math.floor(clock.now() / 1000));
    expect((after.auth_time as number) - (before.auth_time as number)).toBeGreaterThanOrEqual(600);
    expect(after.amr).toEqual(['otp']);
  });

  it('throttles one address', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push((await ask('flood@example.com')).status);
    expect(answers.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(answers.slice(5)).toEqual([429, 429]);
  });
});

describe('without a way to send mail', () => {
  it('a plain server refuses to mail a code: 503 UNAVAILABLE', async () => {
    const { startTestServer } = await import('../support/test-server.js');
    const server = await startTestServer();
    try {
      const refused = await api(server, 'POST', '/v1/auth/email-code', {
        headers: { 'x-tessera-key': server.publishableKey },
        body: { email: 'a@example.com' },
      });
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } });
    } finally {
      await server.stop({ removeData: true });
    }
  });
});
