import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { api, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { startMailServer } from '../sign-in/mail-support.js';

describe('sign-up does not reveal which addresses have accounts', () => {
  let server: TestServer;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    ({ server, smtp } = await startMailServer());
  });
  afterAll(async () => {
    await server?.stop({ removeData: true });
    await smtp?.stop();
  });

  const signUp = (email: string, password: string) =>
    api(server, 'POST', '/v1/auth/signup', { headers: { 'x-tessera-key': server.publishableKey }, body: { email, password, name: 'Sam' } });
  const logIn = async (email: string, password: string) => {
    const session = await startAnonymousSession(server);
    return (
      await api(server, 'POST', '/v1/auth/link', {
        headers: { authorization: `Bearer ${session.accessToken}` },
        body: { method: 'password', email, password },
      })
    ).status;
  };

  it('an existing address gets the answer a new one gets; its owner gets a mail; its password stays', async () => {
    expect((await signUp('owner@example.com', 'the owner password')).status).toBe(201);
    expect((await smtp.nextMail({ to: 'owner@example.com', timeoutMs: 5000 })).subject).toContain('is your code'); // to verify the address
    const probe = await signUp('owner@example.com', 'an attacker password');
    const control = await signUp('unused@example.com', 'an attacker password');
    expect(probe.status).toBe(control.status);
    expect(Object.keys(probe.body)).toEqual(Object.keys(control.body));
    expect(probe.body.user).toEqual({ ...control.body.user, id: 'owner@example.com' });
    expect(probe.headers.get('content-length')).toBe(
      String(Number(control.headers.get('content-length')) + 'owner'.length - 'unused'.length),
    );

    const mail = await smtp.nextMail({ to: 'owner@example.com', timeoutMs: 5000 });
    expect(mail.text).toContain('already has one');
    // Each address got one mail: a code for the new one, a warning for the owner.
    expect((await smtp.nextMail({ to: 'unused@example.com', timeoutMs: 5000 })).subject).toContain('is your code');
    expect(await logIn('owner@example.com', 'the owner password')).toBe(200);
    expect(await logIn('owner@example.com', 'an attacker password')).toBe(401);
  });
});
