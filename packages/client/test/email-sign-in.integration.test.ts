import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpTestServer, type SmtpTestServer } from '../../server/test/support/smtp-test-server.js';
import type { ChatClient } from '../src/chat-client.js';
import type { FlowCompletedEvent } from '../src/chat-events.js';
import { api, browserLike, eventually, startTestServer, type TestServer, pageClient } from './support/real-server.js';

// Email codes and magic links against the real server (packages/server), its mail going to a real
// SMTP server in this process. The person reading the mail is this test: it reads the code, or
// opens the link (fetch, as another browser: no cookie) and confirms it with the match code.

const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';
const linkIn = (text: string) => /(https?:\/\/\S+)/.exec(text)?.[1] ?? '';

describe('email sign-in against the real server and SMTP', () => {
  let server: TestServer;
  let smtp: SmtpTestServer;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    server = await startTestServer({ config: { smtpUrl: smtp.url } });
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server?.stop({ removeData: true });
    await smtp?.stop();
  });

  function client() {
    const page = browserLike();
    const chat = pageClient(server, page);
    clients.push(chat);
    const completed: FlowCompletedEvent[] = [];
    chat.on('flow_completed', (event) => completed.push(event));
    return { chat, wire: page.wire, completed };
  }

  const meStatus = async (accessToken: string) =>
    (await api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${accessToken}` } })).status;

  it('a mailed code signs the open chat in, in-band: a wrong one is CODE_INVALID, the right one keeps the conversation', async () => {
    const { chat, wire } = client();
    await chat.connect();
    await chat.send('hello before the code');
    const anonymous = chat.tokens.current()!.accessToken;
    const sessionId = chat.getCurrentUser()!.sessionId;

    await chat.requestEmailCode('ada@example.com');
    const code = codeIn((await smtp.nextMail({ to: 'ada@example.com' })).text);
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(chat.signInWithEmailCode('ada@example.com', wrong)).rejects.toMatchObject({ code: 'CODE_INVALID' });
    expect(chat.getCurrentUser()?.auth).toBe('anonymous');

    const event = await chat.signInWithEmailCode('ada@example.com', `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(event.user.id).toBe('ada@example.com'); // a new account: its user id is the email
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'user', userId: 'ada@example.com', sessionId });
    expect(wire.sent.filter((frame) => frame.type === 'authenticate')).toHaveLength(2);
    expect(chat.state).toBe('connected'); // the socket stayed, as the user's
    expect(await meStatus(anonymous)).toBe(401);
    expect((await chat.history()).map((message) => message.content)).toContain('hello before the code');
    // used: it does not work twice
    await expect(chat.signInWithEmailCode('ada@example.com', code)).rejects.toMatchObject({ code: 'CODE_INVALID' });
  });

  it('offline, a code signs in over HTTP', async () => {
    const { chat, wire } = client();
    await chat.requestEmailCode('grace@example.com'); // with the publishable key: no session yet
    const code = codeIn((await smtp.nextMail({ to: 'grace@example.com' })).text);
    const event = await chat.signInWithEmailCode('grace@example.com', code); // starts a session, then POST /v1/auth/link
    expect(event.user.id).toBe('grace@example.com');
    expect(chat.getCurrentUser()?.auth).toBe('user');
    expect(wire.sent).toEqual([]);
  });

  it('a magic link: the match code, a scanner signs nothing in, a wrong match code is refused, the right one signs the chat in live', async () => {
    const { chat, completed } = client();
    await chat.connect();
    await chat.send('hello before the link');
    const sessionId = chat.getCurrentUser()!.sessionId;

    const flow = await chat.requestMagicLink('linus@example.com');
    expect(flow.matchCode).toMatch(/^\d{2}$/);
    const mailed = new URL(linkIn((await smtp.nextMail({ to: 'linus@example.com' })).text));
    const link = `${server.url}${mailed.pathname}`; // the mail names the public URL (localhost); the same server

    const scanned = await fetch(link); // a mail scanner: a GET, no cookie
    expect(scanned.status).toBe(200);
    expect(await scanned.text()).toContain('Match code');
    expect(await chat.signInFlowState(flow.flowId)).toBe('pending');

    const confirm = (matchCode: string) =>
      fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ matchCode }).toString(),
      });
    const wrong = String((Number(flow.matchCode) + 1) % 100).padStart(2, '0');
    expect((await confirm(wrong)).status).toBe(401);
    expect(await chat.signInFlowState(flow.flowId)).toBe('pending');
    expect(completed).toEqual([]);

    expect((await confirm(flow.matchCode)).status).toBe(200);
    await eventually(() => completed.length > 0);
    expect(completed).toEqual([{ flowId: flow.flowId }]);
    const event = await chat.redeemSignInFlow(flow);
    expect(event.user.id).toBe('linus@example.com');
    expect(chat.getCurrentUser()).toMatchObject({ auth: 'user', sessionId });
    expect(chat.state).toBe('connected');
    expect((await chat.history()).map((message) => message.content)).toContain('hello before the link');
    expect((await confirm(flow.matchCode)).status).toBe(410); // used
  });
});
