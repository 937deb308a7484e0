import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { api, connectAnonymous, ManualClock, startAnonymousSession, type TestServer } from '../support/test-server.js';
import { bearer } from './flow-support.js';
import { linkIn, startMailServer } from './mail-support.js';

describe('magic links: a sign-in flow completed by confirming a mailed link (real SMTP)', () => {
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

  /** Starts a magic-link flow; returns it with the link mailed and the starting browser's cookie. */
  const requestLink = async (accessToken: string, email: string) => {
    const started = await api(server, 'POST', '/v1/auth/flows', { headers: bearer(accessToken), body: { method: 'magic_link', email } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const cookie = (started.headers.get('set-cookie') ?? '').split(';')[0]!;
    const mail = await smtp.nextMail({ to: email, timeoutMs: 5000 });
    const link = new URL(linkIn(mail.text));
    return {
      ...(started.body as { flowId: string; flowSecret: string; matchCode: string }),
      cookie,
      link: `${server.url}${link.pathname}`,
    };
  };
  const open = (link: string, cookie?: string) => fetch(link, { headers: cookie ? { cookie } : {} });
  const confirm = (link: string, options: { cookie?: string; matchCode?: string } = {}) =>
    fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.cookie ? { cookie: options.cookie } : {}) },
      body: new URLSearchParams(options.matchCode ? { matchCode: options.matchCode } : {}).toString(),
    });
  const stateOf = async (accessToken: string, flowId: string) =>
    (await api(server, 'GET', `/v1/auth/flows/${flowId}`, { headers: bearer(accessToken) })).body.state;

  it('a GET (as a mail scanner makes) consumes nothing; confirming in the same browser signs the chat in live', async () => {
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'm1', content: 'before' });
    const ack = await socket.nextOfType('ack');
    const flow = await requestLink(session.accessToken, 'ada@example.com');
    expect(flow.matchCode).toMatch(/^\d{2}$/);
    for (let i = 0; i < 3; i++) {
      const scanned = await open(flow.link);
      expect(scanned.status).toBe(200);
      expect(await scanned.text()).toContain('Match code'); // a scanner has no cookie: the page would ask for it
    }
    expect(await stateOf(session.accessToken, flow.flowId)).toBe('pending');
    const page = await (await open(flow.link, flow.cookie)).text();
    expect(page).toContain('a***@example.com');
    expect(page).not.toContain('Match code');

    expect((await confirm(flow.link, { cookie: flow.cookie })).status).toBe(200);
    expect(await socket.nextOfType('flow_completed')).toMatchObject({ flowId: flow.flowId });
    socket.send({ type: 'authenticate', method: 'flow', flowId: flow.flowId, flowSecret: flow.flowSecret });
    const authenticated = await socket.nextOfType('authenticated');
    expect(authenticated.user.id).toBe('ada@example.com');
    expect(decodeJwt(authenticated.accessToken)).toMatchObject({ amr: ['email'] });
    socket.send({ type: 'message', id: 'm2', content: 'after' });
    expect((await socket.nextOfType('ack')).conversationId).toBe(ack.conversationId);
    socket.close();
  });

  it('from another browser the match code is needed: without it or wrong, refused; right, the chat signs in', async () => {
    const session = await startAnonymousSession(server);
    const flow = await requestLink(session.accessToken, 'bob@example.com');
    expect((await confirm(flow.link)).status).toBe(401);
    const wrong = flow.matchCode === '00' ? '01' : '00';
    const refused = await confirm(flow.link, { matchCode: wrong });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('wrong match code');
    expect(await stateOf(session.accessToken, flow.flowId)).toBe('pending');
    expect((await confirm(flow.link, { matchCode: flow.matchCode })).status).toBe(200);
    const linked = await api(server, 'POST', '/v1/auth/link', {
      headers: bearer(session.accessToken),
      body: { method: 'flow', flowId: flow.flowId, flowSecret: flow.flowSecret },
    });
    expect(linked.body.user.id).toBe('bob@example.com');
  });

  it('a link asked into someone else’s chat cannot sign that chat in: three wrong match codes kill it', async () => {
    const attacker = await startAnonymousSession(server);
    const flow = await requestLink(attacker.accessToken, 'victim@example.com'); // the victim gets the mail, not the code
    const guesses = ['11', '22', '33'].filter((guess) => guess !== flow.matchCode).slice(0, 3);
    while (guesses.length < 3) guesses.push('44');
    const answers = [];
    for (const guess of guesses) answers.push((await confirm(flow.link, { matchCode: guess })).status);
    expect(answers).toEqual([401, 401, 410]); // the third wrong one kills the link
    expect(await stateOf(attacker.accessToken, flow.flowId)).toBe('failed');
    expect((await confirm(flow.link, { matchCode: flow.matchCode })).status).toBe(410);
    expect((await api(server, 'GET', '/v1/me', { headers: bearer(attacker.accessToken) })).body.session.auth).toBe('anonymous');
  });

  it('a link used twice, an expired link, and another session’s flow are refused', async () => {
    const session = await startAnonymousSession(server);
    const flow = await requestLink(session.accessToken, 'carol@example.com');
    expect((await confirm(flow.link, { cookie: flow.cookie })).status).toBe(200);
    expect((await confirm(flow.link, { cookie: flow.cookie })).status).toBe(410);
    expect((await open(flow.link)).status).toBe(410);

    const stranger = await startAnonymousSession(server);
    const taken = await api(server, 'POST', '/v1/auth/link', {
      headers: bearer(stranger.accessToken),
      body: { method: 'flow', flowId: flow.flowId, flowSecret: flow.flowSecret },
    });
    expect(taken.status).toBe(404);

    const late = await requestLink(session.accessToken, 'carol@example.com');
    clock.advance(10 * 60_000 + 1);
    expect((await confirm(late.link, { cookie: late.cookie })).status).toBe(410);
  });

  it('answers any address alike', async () => {
    const session = await startAnonymousSession(server);
    const a = await api(server, 'POST', '/v1/auth/flows', {
      headers: bearer(session.accessToken),
      body: { method: 'magic_link', email: 'ada@example.com' },
    });
    const b = await api(server, 'POST', '/v1/auth/flows', {
      headers: bearer(session.accessToken),
      body: { method: 'magic_link', email: 'never-seen@example.com' },
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(Object.keys(a.body).sort()).toEqual(Object.keys(b.body).sort());
  });
});
