import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpTestServer, type SmtpTestServer } from '../../../server/test/support/smtp-test-server.js';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser, heldBy, meStatusAt } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';
const linkIn = (text: string) => /(https?:\/\/\S+)/.exec(text)?.[1] ?? '';

/**
 * "Email me a code" and "Email me a link" in the widget, with Tessera's mail going to a real SMTP
 * server in this process: the test reads the code or the link from the mail, as the person would.
 * Pages are served by Tessera at http://localhost:PORT, its default public URL, which the mailed
 * links name too.
 */
describe.skipIf(chromiumMissing)('email sign-in in Chromium', { timeout: 90_000 }, () => {
  let servers: DemoServers;
  let smtp: SmtpTestServer;
  let e2e: E2EBrowser;
  /** Tessera as browsers reach it (its public URL). */
  let origin: string;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    [servers, e2e] = await Promise.all([startDemoServers({ smtpUrl: smtp.url }), launchBrowser()]);
    origin = servers.url.replace('127.0.0.1', 'localhost');
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
    await smtp?.stop();
  });

  const pageUrl = (name: string, storage: 'local' | 'cookie') =>
    servers
      .page(
        name,
        `<!doctype html><title>${name}</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, emailSignIn: true, tokenStorage: '${storage}', open: true });</script>`,
      )
      .replace(servers.url, origin);

  const held = heldBy;
  const meStatus = (accessToken: string) => meStatusAt(origin, accessToken);

  /** The widget's card: "Email me a …", the address, and the button that sends it. */
  async function askByEmail(where: ReturnType<typeof chat>['card'], kind: 'code' | 'link', email: string): Promise<void> {
    await where.getByRole('button', { name: `Email me a ${kind}` }).click();
    await where.getByLabel('Your email').fill(email);
    await where.getByRole('button', { name: kind === 'code' ? 'Send code' : 'Send link' }).click();
  }

  it('"Email me a code": a wrong code is refused in words, the right one signs the same conversation in', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(pageUrl('email-code', 'local'));
    const widget = chat(page);
    await widget.waitOnline();
    expect(await widget.ask('hello before the code', /Got it/)).toMatch(/hello before the code/);
    const anonymous = await held(page);
    expect(anonymous.auth).toBe('anonymous');

    await widget.signIn.click();
    await askByEmail(widget.card, 'code', 'ada.code@example.com');
    const code = codeIn((await smtp.nextMail({ to: 'ada.code@example.com', timeoutMs: 10_000 })).text);
    expect(code).toMatch(/^\d{6}$/);
    await widget.card.getByText('We sent a six-digit code to ada.code@example.com').waitFor();

    await widget.card.getByLabel('Six-digit code').fill(code === '000000' ? '111111' : '000000');
    await widget.card.getByRole('button', { name: 'Sign in with code' }).click();
    await widget.card.getByRole('alert').filter({ hasText: 'That code is wrong or expired.' }).waitFor();
    expect(await held(page)).toEqual(anonymous);

    await widget.card.getByLabel('Six-digit code').fill(code);
    await widget.card.getByRole('button', { name: 'Sign in with code' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as ada.code@example.com' }).waitFor();
    await widget.card.waitFor({ state: 'hidden' });
    expect(await widget.text()).toMatch(/hello before the code[\s\S]*Got it[\s\S]*Signed in as ada\.code@example\.com/);
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are ada\.code@example\.com/);
    expect(await held(page)).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' }); // the same session, linked
    expect(sockets).toHaveLength(1); // signed in in-band: the socket stayed, as the user's
    expect(await meStatus(anonymous.accessToken)).toBe(401);
    await expect(widget.root.locator('.msg.user', { hasText: 'hello before the code' }).count()).resolves.toBe(1);
  });

  it('the assistant\'s card offers it too: "show my orders", a code, and the answer comes for the user', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(pageUrl('email-code-card', 'local'));
    const widget = chat(page);
    await widget.waitOnline();
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    await widget.signInCard.getByText('Sign in to see your orders.').waitFor();
    await askByEmail(widget.signInCard, 'code', 'grace.card@example.com');
    const code = codeIn((await smtp.nextMail({ to: 'grace.card@example.com', timeoutMs: 10_000 })).text);
    await widget.signInCard.getByLabel('Six-digit code').fill(code);
    await widget.signInCard.getByRole('button', { name: 'Sign in with code' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as grace.card@example.com' }).waitFor();
    await widget.signInCard.waitFor({ state: 'detached' });
    expect(await widget.reply(/Your orders, grace\.card@example\.com/)).toMatch(/^Your orders, grace\.card@example\.com/);
    await expect(widget.root.locator('.msg.user', { hasText: 'show my orders' }).count()).resolves.toBe(1);
  });

  it('"Email me a link", opened on another device: a scanner signs nothing in, a wrong match code is refused, the right one signs the chat in live', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(pageUrl('magic-link', 'local'));
    const widget = chat(page);
    await widget.waitOnline();
    await widget.ask('hello before the link', /Got it/);
    const anonymous = await held(page);

    await widget.signIn.click();
    await askByEmail(widget.card, 'link', 'linus.link@example.com');
    await widget.card.getByText('Check your mail').waitFor();
    const matchCode = (await widget.card.locator('.match-code').textContent())!.trim();
    expect(matchCode).toMatch(/^\d{2}$/);
    await widget.card.getByText(`On another device? Enter ${matchCode} on the link's page.`).waitFor();
    const link = linkIn((await smtp.nextMail({ to: 'linus.link@example.com', timeoutMs: 10_000 })).text);
    expect(link.startsWith(`${origin}/v1/auth/magic/`)).toBe(true);
    const { flowId } = await page.evaluate(
      (key) => JSON.parse(sessionStorage.getItem(key) ?? '{}') as { flowId?: string },
      `tessera.widget.flow:${origin}#magic-link`,
    );
    const flowState = async () =>
      (
        await (
          await fetch(`${origin}/v1/auth/flows/${flowId}`, { headers: { authorization: `Bearer ${anonymous.accessToken}`, origin } })
        ).json()
      ).state;

    // A mail scanner fetches the link: a GET shows a page and consumes nothing.
    for (let i = 0; i < 2; i++) expect((await fetch(link)).status).toBe(200);
    expect(await flowState()).toBe('pending');
    expect(await held(page)).toEqual(anonymous);

    // The person's phone: another browser, without the cookie of the chat's browser.
    const phone = await (await visitor(e2e, test)).newPage();
    await phone.goto(link);
    await phone.getByText('You opened this link in another browser than the chat.').waitFor();
    const wrong = String((Number(matchCode) + 1) % 100).padStart(2, '0');
    await phone.getByLabel('Match code').fill(wrong);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('alert').filter({ hasText: 'wrong match code' }).waitFor();
    expect(await flowState()).toBe('pending');
    expect(await held(page)).toEqual(anonymous);

    await phone.getByLabel('Match code').fill(matchCode);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('heading', { name: 'You are signed in' }).waitFor();

    // The chat that asked signs in by itself (flow_completed on its socket), its conversation kept.
    await widget.root.locator('.system', { hasText: 'Signed in as linus.link@example.com' }).waitFor();
    await widget.card.waitFor({ state: 'hidden' });
    expect(await widget.text()).toMatch(/hello before the link[\s\S]*Got it[\s\S]*Signed in as linus\.link@example\.com/);
    expect(await held(page)).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' });
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are linus\.link@example\.com/);
    expect(await meStatus(anonymous.accessToken)).toBe(401);
    await expect(widget.root.locator('.msg.user', { hasText: 'hello before the link' }).count()).resolves.toBe(1);
  });

  it('"Email me a link" opened in the same browser (cookie mode): one click, no match code', async (test) => {
    const browser = await visitor(e2e, test);
    const page = await browser.newPage();
    await page.goto(pageUrl('magic-link-cookie', 'cookie'));
    const widget = chat(page);
    await widget.waitOnline();
    await widget.ask('hello in cookie mode', /Got it/);
    const anonymous = await held(page);

    await widget.signIn.click();
    await askByEmail(widget.card, 'link', 'ada.same@example.com');
    await widget.card.getByText('Check your mail').waitFor();
    const link = linkIn((await smtp.nextMail({ to: 'ada.same@example.com', timeoutMs: 10_000 })).text);

    const mailTab = await browser.newPage();
    await mailTab.goto(link);
    await mailTab.getByText('Sign the chat in as').waitFor();
    expect(await mailTab.getByLabel('Match code').count()).toBe(0);
    await mailTab.getByRole('button', { name: 'Sign in' }).click();
    await mailTab.getByRole('heading', { name: 'You are signed in' }).waitFor();

    await widget.root.locator('.system', { hasText: 'Signed in as ada.same@example.com' }).waitFor();
    await widget.status.filter({ hasText: 'ada.same@example.com' }).waitFor();
    expect(await held(page)).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' });
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are ada\.same@example\.com/);
    await expect(widget.root.locator('.msg.user', { hasText: 'hello in cookie mode' }).count()).resolves.toBe(1);
  });
});
