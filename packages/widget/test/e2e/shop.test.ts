import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOrdersOf } from '../../../server/src/agents/orders-tool.js';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { backend, startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/** The demo shop at `/`: the widget same-origin, in cookie mode, with the shop's own login. */
describe.skipIf(chromiumMissing)('the demo shop in Chromium', { timeout: 90_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    // Without mail, hosted accounts sign in by password at once (hosted-signup.test.ts: with mail, a code first).
    [servers, e2e] = await Promise.all([startDemoServers({ withoutMail: true }), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  const login = async (page: import('playwright-core').Page, who: 'ada' | 'grace') => {
    await page.locator('dialog#login').waitFor();
    await page.locator(`dialog#login [data-user=${who}]`).click();
  };

  it('chats anonymously: opens from the launcher, Enter sends, a typing indicator, the reply, Escape closes', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${servers.url}/`);
    const widget = chat(page);
    const launcher = page.getByRole('button', { name: 'Open chat' });
    await expect(launcher.getAttribute('aria-expanded')).resolves.toBe('false');
    await launcher.click();
    await expect(page.getByRole('dialog', { name: 'Lumen & Oak help' }).isVisible()).resolves.toBe(true);
    // focus moves into the composer
    await expect(page.evaluate(() => document.querySelector('tessera-chat')!.shadowRoot!.activeElement?.tagName)).resolves.toBe('TEXTAREA');
    await widget.waitOnline();

    // while the agent works on a reply, the widget says so
    await widget.send('take your time (hold)');
    await expect.poll(() => servers.held()).toBe(1);
    const typing = widget.root.getByRole('status').filter({ hasText: 'Assistant is typing…' });
    await typing.waitFor();
    servers.release();
    await widget.reply(/Got it: "take your time/);
    await typing.waitFor({ state: 'hidden' });

    await widget.send('hello there');
    expect(await widget.reply(/Got it: "hello there"/)).toContain('who am I');
    expect(await widget.ask('who am I', /anonymous/)).toMatch(/chatting anonymously/);
    const log = page.getByRole('log', { name: 'Messages' });
    await expect(log.getAttribute('aria-live')).resolves.toBe('polite');

    // Shift+Enter is a new line, not a send
    await widget.input.fill('line one');
    await widget.input.press('Shift+Enter');
    await widget.input.pressSequentially('line two');
    await expect(widget.input.inputValue()).resolves.toBe('line one\nline two');
    await widget.input.fill('');

    await page.keyboard.press('Escape');
    await widget.panel.waitFor({ state: 'hidden' });
    await expect(page.evaluate(() => document.querySelector('tessera-chat')!.shadowRoot!.activeElement?.className)).resolves.toBe(
      'launcher',
    );
    // nothing of the session in localStorage but the hint that there is one; the refresh token is an httpOnly cookie
    await expect(page.evaluate(() => ({ ...localStorage }))).resolves.toEqual({ [`tessera.session-hint:${servers.url}`]: '1' });
    await expect(page.evaluate(() => document.cookie)).resolves.not.toMatch(/tessera_rt/);
  });

  it('signs in mid-chat through the host page: history kept, own orders, "who am I" names the user; a reload keeps it all', async (test) => {
    const { context, newPage } = await visitor(e2e, test);
    const page = await newPage();
    await page.goto(`${servers.url}/`);
    const widget = chat(page);
    await widget.open();
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    const anonymousSession = await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId);

    // The assistant asks for sign-in in the conversation; its "Sign in" asks the host page
    // (onLoginRequested), which shows its own login (an identity token: the `jwt` method).
    await widget.signInCard.getByText('Sign in to see your orders.').waitFor();
    await widget.signInCard.getByRole('button', { name: 'Sign in' }).click();
    await login(page, 'ada');
    await widget.root.locator('.system', { hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.status.filter({ hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.signInCard.waitFor({ state: 'detached' });
    await expect(page.locator('#account-name').textContent()).resolves.toBe('Hi, Ada Lovelace');
    // the anonymous part of the conversation is still on screen
    expect(await widget.text()).toMatch(/show my orders[\s\S]*Please log in to see your orders/);

    // the question is answered again, for Ada, without typing it again
    const orders = await widget.reply(/Your orders, Ada Lovelace/);
    for (const order of demoOrdersOf(servers.tenantId, 'demo-ada')) expect(orders).toContain(order.id);
    await expect(widget.root.locator('.msg.user', { hasText: 'show my orders' }).count()).resolves.toBe(1);
    expect(await widget.ask('who am I', /You are/)).toBe('You are Ada Lovelace (user id demo-ada).');

    // same session, linked (history kept on the server too)
    const user = await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser());
    expect(user).toMatchObject({ sessionId: anonymousSession, userId: 'demo-ada', auth: 'user' });
    const cookies = await context.cookies(`${servers.url}/v1/auth/refresh`);
    expect(cookies.find((c) => c.name === 'tessera_rt')).toMatchObject({ httpOnly: true });
    await expect(page.evaluate(() => ({ ...localStorage }))).resolves.toEqual({ [`tessera.session-hint:${servers.url}`]: '1' });

    await page.reload();
    await widget.panel.waitFor(); // still open after the reload
    await widget.waitOnline();
    await widget.root
      .locator('.msg.assistant', { hasText: /Your orders, Ada Lovelace/ })
      .first()
      .waitFor();
    expect(await widget.text()).toMatch(/Please log in to see your orders[\s\S]*Your orders, Ada Lovelace[\s\S]*You are Ada Lovelace/);
    await widget.status.filter({ hasText: 'Signed in as Ada Lovelace' }).waitFor(); // the name comes from /v1/me
    expect(await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId)).toBe(anonymousSession);
    expect(await widget.ask('who am I', /You are/)).toBe('You are Ada Lovelace (user id demo-ada).');
  });

  it('keeps a second tab signed in without a refresh war, across many short token lifetimes', async (test) => {
    await servers.app.services.tenants.updateSettings(servers.tenantId, { tokens: { accessTokenTtlSeconds: 5 } });
    test.onTestFinished(() =>
      servers.app.services.tenants.updateSettings(servers.tenantId, { tokens: { accessTokenTtlSeconds: 900 } }).then(() => undefined),
    );
    const { newPage } = await visitor(e2e, test);
    const first = await newPage();
    const refreshes: number[] = [];
    const watch = (page: import('playwright-core').Page) =>
      page.on('response', (response) => {
        if (response.url().endsWith('/v1/auth/refresh') && response.request().method() === 'POST') refreshes.push(response.status());
      });
    watch(first);
    await first.goto(`${servers.url}/`);
    await chat(first).open();
    await chat(first).waitOnline();
    await first.locator('#account-button').click();
    await login(first, 'grace');
    await chat(first).root.locator('.system', { hasText: 'Signed in as Grace Hopper' }).waitFor();
    refreshes.length = 0;
    const sessionId = await first.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId);

    const second = await newPage();
    watch(second);
    await second.goto(`${servers.url}/`);
    await chat(second).open();
    await chat(second).waitOnline();
    await chat(second).status.filter({ hasText: 'Signed in as Grace Hopper' }).waitFor();
    expect(await second.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId)).toBe(sessionId);

    // Both tabs hold the session while its 5 s access tokens are renewed several times over.
    const tokensSeen = [new Set<string>(), new Set<string>()];
    await expect
      .poll(
        async () => {
          for (const [i, page] of [first, second].entries()) {
            tokensSeen[i].add(await page.evaluate(() => (window as any).Tessera.widget.client.tokens.current()?.accessToken ?? ''));
          }
          return refreshes.length >= 6 && tokensSeen.every((seen) => seen.size >= 3);
        },
        { timeout: 45_000, interval: 250 },
      )
      .toBe(true);

    expect(await chat(first).ask('who am I', /You are/)).toBe('You are Grace Hopper (user id demo-grace).');
    expect(await chat(second).ask('who am I', /You are/)).toBe('You are Grace Hopper (user id demo-grace).');
    expect(refreshes.filter((status) => status !== 200)).toEqual([]);
    const { entries } = await servers.app.services.audit.page(servers.tenantId, { limit: 200 });
    expect(entries.filter((entry) => (entry.details as { reason?: string } | null)?.reason === 'refresh_token_reused')).toEqual([]);
    const { sessions } = await backend(servers, '/v1/users/demo-grace/sessions');
    expect(sessions.find((s: { id: string }) => s.id === sessionId)).toMatchObject({ active: true, revokedAt: null });

    // logging out in one tab signs the other out too: nothing of Grace's stays on its screen
    await first.locator('#account-button').click();
    await chat(second).root.locator('.system', { hasText: 'You were signed out' }).waitFor();
    expect(await chat(second).text()).not.toMatch(/Grace/);
    await expect(chat(second).signIn.isVisible()).resolves.toBe(true);
  });

  it('logs out: the session is revoked, the chat is cleared and starts again anonymous', async (test) => {
    const { newPage } = await visitor(e2e, test);
    const page = await newPage();
    await page.goto(`${servers.url}/`);
    const widget = chat(page);
    await widget.open();
    await widget.waitOnline();
    await widget.signIn.click();
    await login(page, 'ada');
    await widget.root.locator('.system', { hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.keepThisConversation();
    expect(await widget.ask('tell me a secret', /Got it/)).toMatch(/tell me a secret/);
    const sessionId = await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId);

    await page.locator('#account-button').click(); // the shop's "Log out" signs the chat out too
    await widget.root.locator('.system', { hasText: 'You signed out.' }).waitFor();
    await widget.waitOnline();
    expect(await widget.text()).not.toMatch(/tell me a secret/);
    await expect(widget.signIn.isVisible()).resolves.toBe(true);
    expect(await widget.ask('who am I', /anonymous/)).toMatch(/chatting anonymously/);
    const after = await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser());
    expect(after.sessionId).not.toBe(sessionId);
    const { sessions } = await backend(servers, '/v1/users/demo-ada/sessions');
    expect(sessions.find((s: { id: string }) => s.id === sessionId)).toMatchObject({ active: false });

    // The widget's own "Sign out" signs the shop out as well (onLogout).
    await widget.signIn.click();
    await login(page, 'ada');
    await widget.root.locator('.system', { hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.keepThisConversation();
    await widget.signOut.click();
    await page
      .locator('#account-button')
      .filter({ hasText: /^Log in$/ })
      .waitFor();
    await widget.signIn.waitFor();
    expect(await widget.text()).not.toMatch(/Signed in as/);
  });

  it('asks "Continue a previous conversation?" after sign-in, and resumes only the one chosen', async (test) => {
    const laptop = await (await visitor(e2e, test)).newPage();
    await laptop.goto(`${servers.url}/`);
    await chat(laptop).open();
    expect(await chat(laptop).ask('my lamp arrived scratched', /Got it/)).toMatch(/scratched/);
    await chat(laptop).signIn.click();
    await login(laptop, 'grace');
    await chat(laptop).root.locator('.system', { hasText: 'Signed in as Grace Hopper' }).waitFor();

    // Grace on another device: a new anonymous chat, then sign-in.
    const phone = await (await visitor(e2e, test, { viewport: { width: 390, height: 740 }, isMobile: true, hasTouch: true })).newPage();
    await phone.goto(`${servers.url}/`);
    const widget = chat(phone);
    await widget.open();
    // phone-sized: the panel takes the whole screen
    expect(await widget.panel.boundingBox()).toMatchObject({ x: 0, y: 0, width: 390, height: 740 });
    expect(await widget.ask('hello from my phone', /Got it/)).toMatch(/phone/);
    await widget.signIn.click();
    await login(phone, 'grace');
    await widget.card.getByText('Continue a previous conversation?').waitFor();
    // nothing merged or switched before the answer
    expect(await widget.text()).toMatch(/hello from my phone/);
    expect(await widget.text()).not.toMatch(/scratched/);
    await widget.card.getByRole('button', { name: /my lamp arrived scratched/ }).click();
    await widget.root.locator('.msg.user', { hasText: 'my lamp arrived scratched' }).waitFor();
    expect(await widget.text()).not.toMatch(/hello from my phone/);
    expect(await widget.ask('still there?', /Got it/)).toMatch(/still there/);

    // a reload comes back to the resumed conversation
    await phone.reload();
    await widget.root.locator('.msg.user', { hasText: 'still there?' }).waitFor();
    expect(await widget.text()).toMatch(/my lamp arrived scratched[\s\S]*still there\?/);
    expect(await widget.text()).not.toMatch(/hello from my phone/);
  });

  it('shows a clear message when rate limited, and the message can be retried', async (test) => {
    await servers.app.services.tenants.updateSettings(servers.tenantId, { limits: { messagesPerMinute: 2 } });
    test.onTestFinished(() =>
      servers.app.services.tenants.updateSettings(servers.tenantId, { limits: { messagesPerMinute: 20 } }).then(() => undefined),
    );
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${servers.url}/`);
    const widget = chat(page);
    await widget.open();
    await widget.ask('one', /Got it: "one"/);
    await widget.ask('two', /Got it: "two"/);
    await widget.send('three');
    await widget.notice.filter({ hasText: /sending messages too quickly/ }).waitFor();
    const failed = widget.root.locator('.msg.user[data-failed]', { hasText: 'three' });
    await failed.waitFor();
    await expect(failed.getByRole('button', { name: 'Retry' }).isVisible()).resolves.toBe(true);
    await expect(
      page
        .getByRole('alert')
        .filter({ hasText: /too quickly/ })
        .count(),
    ).resolves.toBe(1);
  });

  it('signs in with a hosted account from the small form (tenant with hosted accounts)', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    // A customer page of the tenant's own origin that mounts the widget with `hostedAccounts`.
    await page.goto(
      servers.page(
        'hosted',
        `<!doctype html><title>hosted</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, hostedAccounts: true, open: true });</script>`,
      ),
    );
    const widget = chat(page);
    await widget.panel.waitFor();
    expect(await widget.ask('hi before signing up', /Got it/)).toMatch(/signing up/);
    await widget.signIn.click();
    await widget.card.getByRole('button', { name: 'Create an account' }).click();
    await widget.card.getByLabel('Name (optional)').fill('Hedy Lamarr');
    await widget.card.getByLabel('Email').fill('hedy@example.com');
    await widget.card.getByLabel('Password').fill('frequency-hopping-1942');
    await widget.card.getByRole('button', { name: 'Create account' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as Hedy Lamarr' }).waitFor();
    expect(await widget.text()).toMatch(/hi before signing up/);
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are Hedy Lamarr/);

    // sign out, then sign in again with the password; a wrong one is a clear error
    await widget.signOut.click();
    await widget.root.locator('.system', { hasText: 'You signed out.' }).waitFor();
    await widget.signIn.click();
    await widget.card.getByLabel('Email').fill('hedy@example.com');
    await widget.card.getByLabel('Password').fill('wrong-password-123');
    await widget.card.getByRole('button', { name: 'Sign in' }).click();
    await widget.card.getByText('That email and password did not match an account.').waitFor();
    await widget.card.getByLabel('Password').fill('frequency-hopping-1942');
    await widget.card.getByRole('button', { name: 'Sign in' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as Hedy Lamarr' }).waitFor();
    await widget.card.getByText('Continue a previous conversation?').waitFor();
  });
});
