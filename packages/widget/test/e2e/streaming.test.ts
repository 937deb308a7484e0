import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOrdersOf } from '../../../server/src/agents/orders-tool.js';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/**
 * Replies that stream in, the stop button, agent failures and the sign-in the assistant asks
 * for, on a customer page of the demo tenant with hosted accounts. Its tokens are kept in
 * localStorage, so a password sign-in happens on the open socket, which stays open, and the
 * turn run again after it streams into that socket. Messages with "(slow)" stream a word
 * every 150 ms (see support/servers.ts).
 */
describe.skipIf(chromiumMissing)('streamed replies in Chromium', { timeout: 90_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;
  let pageUrl: string;

  beforeAll(async () => {
    // Without mail, hosted accounts sign in by password at once (hosted-signup.test.ts: with mail, a code first).
    [servers, e2e] = await Promise.all([startDemoServers({ withoutMail: true }), launchBrowser()]);
    pageUrl = servers.page(
      'streaming',
      `<!doctype html><title>streaming</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, hostedAccounts: true, tokenStorage: 'local', open: true });</script>`,
    );
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  /** A hosted account, made elsewhere (another device) before this visit. */
  async function createAccount(email: string, password: string, name: string): Promise<void> {
    const response = await fetch(`${servers.url}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: servers.url, 'x-tessera-key': servers.demo.publishableKey },
      body: JSON.stringify({ email, password, name, tokenTransport: 'body' }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }

  it('an anonymous visitor asks for orders, signs in with a password in the card, and the answer streams in without retyping', async (test) => {
    await createAccount('lin@example.com', 'orders-please-2026', 'Lin Yu');
    const page = await (await visitor(e2e, test)).newPage();
    const typed: string[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const frame = JSON.parse(String(payload));
        if (frame.type === 'message') typed.push(frame.content);
      }),
    );
    await page.goto(pageUrl);
    const widget = chat(page);
    await widget.waitOnline();
    await widget.send('show my orders (slow)');

    // One bubble grows word by word, with a stop button, until the whole message replaces it.
    await widget.streaming.filter({ hasText: /Please log/ }).waitFor();
    await widget.stop.waitFor();
    expect(await widget.reply(/Please log in/)).toBe('Please log in to see your orders.');
    await widget.stop.waitFor({ state: 'hidden' });

    // The assistant asks for sign-in inside the conversation, with the hosted-accounts form.
    const card = widget.signInCard;
    await card.getByText('Sign in to see your orders.').waitFor();
    await card.getByLabel('Email').fill('lin@example.com');
    await card.getByLabel('Password').fill('orders-please-2026');
    await card.getByRole('button', { name: 'Sign in' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as Lin Yu' }).waitFor();
    await card.waitFor({ state: 'detached' });

    // The question is answered again for Lin, streamed into the conversation.
    const streamed = widget.streaming.filter({ hasText: /Your orders, Lin Yu/ });
    await streamed.waitFor();
    const partial = ((await streamed.textContent()) ?? '').replace(/^Assistant:\s*/, '');
    const orders = await widget.reply(/Your orders, Lin Yu:/);
    // The final message is rendered Markdown; the bubble streamed its source: the same words, in order.
    const words = (text: string) => text.replace(/[\s*`-]/g, '');
    expect(words(orders).startsWith(words(partial))).toBe(true);
    for (const order of demoOrdersOf(servers.tenantId, 'lin@example.com')) expect(orders).toContain(order.id);
    await expect(widget.streaming.count()).resolves.toBe(0);
    expect(await widget.text()).toMatch(/show my orders \(slow\)[\s\S]*Please log in[\s\S]*Signed in as Lin Yu[\s\S]*Your orders, Lin Yu/);
    // nobody typed it again: one message sent, one on screen
    expect(typed).toEqual(['show my orders (slow)']);
    await expect(widget.root.locator('.msg.user').count()).resolves.toBe(1);
  });

  it('the stop button stops a reply: it ends with what was said, marked stopped, also after a reload', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(pageUrl);
    const widget = chat(page);
    await widget.waitOnline();
    await widget.send('tell me a long story (slow)');
    await widget.stop.click();

    const stopped = widget.root.locator('.msg.assistant[data-stopped]');
    await stopped.waitFor();
    await expect(stopped.locator('.meta').textContent()).resolves.toBe('Stopped');
    const text = (await stopped.textContent()) ?? '';
    expect(text).toMatch(/^Assistant:\s*Got\b/); // at least the first word came before the stop
    expect(text).not.toMatch(/about your orders/); // the whole reply would end so
    await widget.stop.waitFor({ state: 'hidden' });
    await expect(widget.streaming.count()).resolves.toBe(0);

    await page.reload();
    await widget.waitOnline();
    await expect(widget.root.locator('.msg.assistant[data-stopped]').textContent()).resolves.toBe(text);
  });

  it('an agent failure is a line in the conversation; what it streamed goes, and the chat goes on', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(pageUrl);
    const widget = chat(page);
    await widget.waitOnline();
    await widget.send('this one breaks (fail)');
    await widget.root.locator('.system.failed', { hasText: "The assistant couldn't answer that just now. Please try again." }).waitFor();
    await expect(widget.root.locator('.msg.assistant', { hasText: 'Half an answer' }).count()).resolves.toBe(0);
    await expect(widget.root.locator('.msg.user[data-failed]').count()).resolves.toBe(0); // the message itself was sent
    await expect(widget.notice.isVisible()).resolves.toBe(false);
    expect(await widget.ask('hello again', /Got it/)).toMatch(/hello again/);
  });
});
