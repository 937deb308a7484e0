import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { api, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { codeIn, startMailServer } from '../sign-in/mail-support.js';

describe('sign-up does not reveal which addresses have accounts, nor let anyone wait inside one', () => {
  let server: TestServer;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    ({ server, smtp } = await startMailServer());
  });
  afterAll(async () => {
    await server?.stop({ removeData: true });
    await smtp?.stop();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const signUp = (email: string, password: string) =>
    api(server, 'POST', '/v1/auth/signup', { headers: { 'x-tessera-key': server.publishableKey }, body: { email, password, name: 'Sam' } });
  const logIn = async (email: string, password: string) => {
    const session = await startAnonymousSession(server);
    const linked = await api(server, 'POST', '/v1/auth/link', {
      headers: bearer(session.accessToken),
      body: { method: 'password', email, password },
    });
    return linked.body.error?.code ?? linked.status;
  };
  const withCode = async (email: string, code: string) => {
    const session = await startAnonymousSession(server);
    return api(server, 'POST', '/v1/auth/link', { headers: bearer(session.accessToken), body: { method: 'email_code', email, code } });
  };

  it('an existing address gets the answer a new one gets; its owner gets a mail; its password stays', async () => {
    expect((await signUp('owner@example.com', 'the owner password')).status).toBe(201);
    const signupCode = codeIn((await smtp.nextMail({ to: 'owner@example.com', timeoutMs: 5000 })).text);
    expect((await withCode('owner@example.com', signupCode)).status).toBe(200); // the owner proves the address

    const probe = await signUp('owner@example.com', 'an attacker password');
    const control = await signUp('unused@example.com', 'an attacker password');
    expect(probe.status).toBe(control.status);
    expect(Object.keys(probe.body)).toEqual(Object.keys(control.body));
    expect(probe.body.user).toEqual({ ...control.body.user, id: 'owner@example.com' });

    const mail = await smtp.nextMail({ to: 'owner@example.com', timeoutMs: 5000 });
    expect(mail.text).toContain('already has one');
    // Each address got one mail: a code for the new one, a warning for the owner.
    expect((await smtp.nextMail({ to: 'unused@example.com', timeoutMs: 5000 })).subject).toContain('confirms your new');
    expect(await logIn('owner@example.com', 'the owner password')).toBe(200);
    expect(await logIn('owner@example.com', 'an attacker password')).toBe('INVALID_CREDENTIALS');
  });

  it('sign-up from a chat answers 202 alike and signs in only through the mailed code', async () => {
    const fresh = await startAnonymousSession(server);
    const taken = await startAnonymousSession(server);
    const body = (email: string) => ({ email, password: 'a chat sign-up password' });
    const a = await api(server, 'POST', '/v1/auth/signup', { headers: bearer(fresh.accessToken), body: body('chatter@example.com') });
    const b = await api(server, 'POST', '/v1/auth/signup', { headers: bearer(taken.accessToken), body: body('owner@example.com') });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body).toEqual(b.body);
    const code = codeIn((await smtp.nextMail({ to: 'chatter@example.com', timeoutMs: 5000 })).text);
    const linked = await api(server, 'POST', '/v1/auth/link', {
      headers: bearer(fresh.accessToken),
      body: { method: 'email_code', email: 'chatter@example.com', code },
    });
    expect(linked.body.user.id).toBe('chatter@example.com');
    expect(await logIn('chatter@example.com', 'a chat sign-up password')).toBe(200);
    expect((await smtp.nextMail({ to: 'owner@example.com', timeoutMs: 5000 })).text).toContain('already has one');
  });

  it('a password set by someone who signed up with another person’s address never works for them', async () => {
    // The attacker signs up with the victim's address and a password of their own: it signs nobody in…
    expect((await signUp('victim@example.com', 'the attacker password')).status).toBe(201);
    await smtp.nextMail({ to: 'victim@example.com', timeoutMs: 5000 }); // the victim ignores this sign-up code
    expect(await logIn('victim@example.com', 'the attacker password')).toBe('FORBIDDEN');
    // …and once the victim signs in with a code of their own, the attacker's password is gone.
    await api(server, 'POST', '/v1/auth/email-code', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'victim@example.com' },
    });
    const code = codeIn((await smtp.nextMail({ to: 'victim@example.com', timeoutMs: 5000 })).text);
    expect((await withCode('victim@example.com', code)).body.user.id).toBe('victim@example.com');
    expect(await logIn('victim@example.com', 'the attacker password')).toBe('INVALID_CREDENTIALS');
    const identities = await api(server, 'GET', '/v1/users/victim@example.com', { headers: bearer(server.secretKey) });
    expect(identities.body.identities.map((identity: { kind: string }) => identity.kind)).toEqual(['email']);
  });

  it('a new code for a waiting sign-up keeps its password; for any other address it is an ordinary sign-in code', async () => {
    const ask = (email: string) =>
      api(server, 'POST', '/v1/auth/email-code', {
        headers: { 'x-tessera-key': server.publishableKey },
        body: { email, purpose: 'signup' },
      });
    expect((await signUp('resend@example.com', 'the chosen password')).status).toBe(201);
    await smtp.nextMail({ to: 'resend@example.com', timeoutMs: 5000 }); // the first code, lost
    expect(await ask('resend@example.com')).toMatchObject({ status: 202, body: {} });
    const resent = await smtp.nextMail({ to: 'resend@example.com', timeoutMs: 5000 });
    expect(resent.subject).toContain('confirms your new');
    expect((await withCode('resend@example.com', codeIn(resent.text))).status).toBe(200);
    expect(await logIn('resend@example.com', 'the chosen password')).toBe(200);

    // Asked for an address with no waiting sign-up, it is the ordinary code (and the same 202).
    expect(await ask('someone-new@example.com')).toMatchObject({ status: 202, body: {} });
    expect((await smtp.nextMail({ to: 'someone-new@example.com', timeoutMs: 5000 })).subject).toContain('is your code');
  });
});
