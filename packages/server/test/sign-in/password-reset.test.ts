import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { api, connect, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { bearer } from './flow-support.js';
import { codeIn, linkIn, startMailServer } from './mail-support.js';

describe('hosted accounts: email verification and password reset (real SMTP)', () => {
  let server: TestServer;
  let smtp: SmtpTestServer;
  const email = 'grace@example.com';
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    ({ server, smtp } = await startMailServer());
  });
  afterAll(async () => {
    await server?.stop({ removeData: true });
    await smtp?.stop();
  });

  const publishable = () => ({ 'x-tessera-key': server.publishableKey });
  const signInWithPassword = async (secret: string) => {
    const session = await startAnonymousSession(server);
    return api(server, 'POST', '/v1/auth/link', {
      headers: bearer(session.accessToken),
      body: { method: 'password', email, password: secret },
    });
  };
  const askReset = (address: string) =>
    api(server, 'POST', '/v1/auth/password-reset', { headers: publishable(), body: { email: address } });

  it('a new account cannot reset its password until its email is proven; then the link works once and ends every session', async () => {
    expect((await api(server, 'POST', '/v1/auth/signup', { headers: publishable(), body: { email, password } })).status).toBe(201);
    // Until its address is proven, the password signs nobody in.
    expect((await signInWithPassword(password)).body.error.code).toBe('FORBIDDEN');

    // Unproven address: the same answer, and no mail.
    expect(await askReset(email)).toMatchObject({ status: 202, body: {} });
    // Proven by the code sign-up mailed: the account's email is verified.
    const code = codeIn((await smtp.nextMail({ to: email, timeoutMs: 5000 })).text);
    const viaCode = await startAnonymousSession(server);
    const proven = await api(server, 'POST', '/v1/auth/link', {
      headers: bearer(viaCode.accessToken),
      body: { method: 'email_code', email, code },
    });
    expect(proven.body.user.id).toBe(email);
    const socket = connect(server, { token: proven.body.accessToken });
    await socket.nextOfType('ready');
    const signedIn = await signInWithPassword(password); // the sign-up's own code kept its password
    expect(signedIn.status).toBe(200);

    expect(await askReset(email)).toMatchObject({ status: 202, body: {} });
    const mail = await smtp.nextMail({ to: email, timeoutMs: 5000 });
    expect(mail.subject).toContain('Reset your');
    const link = new URL(linkIn(mail.text));
    const token = link.pathname.split('/').pop()!;
    expect((await fetch(`${server.url}${link.pathname}`)).status).toBe(200); // the page consumes nothing

    const tooShort = await api(server, 'POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'short' } });
    expect(tooShort.status).toBe(400);
    const reset = await api(server, 'POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'a brand new passphrase' } });
    expect(reset.status).toBe(204);
    // Every session of the account is dead, its sockets closed.
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(signedIn.body.accessToken) })).status).toBe(401);
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(proven.body.accessToken) })).status).toBe(401);
    expect(await socket.closed).toMatchObject({ code: 1008 });
    expect((await signInWithPassword(password)).status).toBe(401);
    expect((await signInWithPassword('a brand new passphrase')).status).toBe(200);
    // Single use.
    expect(
      await api(server, 'POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'yet another passphrase' } }),
    ).toMatchObject({
      status: 410,
      body: { error: { code: 'FLOW_EXPIRED' } },
    });
  });

  it('answers a known and an unknown address alike and mails only the known one, whose page posts a form', async () => {
    const unknown = await askReset('nobody@example.com');
    const known = await askReset(email);
    expect(unknown).toMatchObject({ status: 202, body: {} });
    expect(known).toMatchObject({ status: unknown.status, body: unknown.body });
    const mail = await smtp.nextMail({ timeoutMs: 5000 });
    expect(mail.to).toContain(email);

    const token = new URL(linkIn(mail.text)).pathname.split('/').pop()!;
    const page = await fetch(`${server.url}/v1/auth/password-reset/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password: 'third passphrase here' }).toString(),
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your password is changed');
    expect((await signInWithPassword('third passphrase here')).status).toBe(200);
  });
});
