import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpTestServer, type SmtpTestServer } from '../../../server/test/support/smtp-test-server.js';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';

type Widget = ReturnType<typeof chat>;

/**
 * Hosted accounts ("Create account") where Tessera sends mail, over a real SMTP server in this
 * process: sign-up from a chat answers 202 and mails a code instead of signing in; the widget
 * takes the code, and the chat is signed in with its conversation kept. (Without mail, sign-up
 * signs in at once: the demo shop's suite covers that.)
 */
describe.skipIf(chromiumMissing)('hosted sign-up with a mailed code in Chromium', { timeout: 90_000 }, () => {
  let servers: DemoServers;
  let smtp: SmtpTestServer;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    [servers, e2e] = await Promise.all([startDemoServers({ smtpUrl: smtp.url }), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
    await smtp?.stop();
  });

  /** A customer page of the tenant's own origin with the hosted-accounts form (cookie mode unless `local`). */
  const pageUrl = (name: string, storage: 'auto' | 'local' = 'auto') =>
    servers.page(
      name,
      `<!doctype html><title>${name}</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, hostedAccounts: true, tokenStorage: '${storage}', open: true });</script>`,
    );

  const held = (page: Page) =>
    page.evaluate(() => {
      const user = (window as any).Tessera.widget.client.getCurrentUser();
      return { sessionId: user.sessionId as string, auth: user.auth as string };
    });

  /** A fresh visitor on the page, chatting anonymously. */
  async function anonymousChat(
    test: Parameters<typeof visitor>[1],
    name: string,
    storage?: 'local',
  ): Promise<{ page: Page; widget: Widget }> {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(pageUrl(name, storage));
    const widget = chat(page);
    await widget.waitOnline();
    return { page, widget };
  }

  async function createAccount(widget: Widget, account: { name?: string; email: string; password: string }): Promise<void> {
    await widget.signIn.click();
    await widget.card.getByRole('button', { name: 'Create an account' }).click();
    if (account.name) await widget.card.getByLabel('Name (optional)').fill(account.name);
    await widget.card.getByLabel('Email').fill(account.email);
    await widget.card.getByLabel('Password').fill(account.password);
    await widget.card.getByRole('button', { name: 'Create account' }).click();
  }

  async function signInWithPassword(widget: Widget, email: string, password: string): Promise<void> {
    await widget.signIn.click();
    await widget.card.getByLabel('Email').fill(email);
    await widget.card.getByLabel('Password').fill(password);
    await widget.card.getByRole('button', { name: 'Sign in' }).click();
  }

  async function enterCode(widget: Widget, code: string): Promise<void> {
    await widget.card.getByLabel('Six-digit code').fill(code);
    await widget.card.getByRole('button', { name: 'Sign in with code' }).click();
  }

  it('"Create account": the code from the mail signs the same conversation in; the password then works in a fresh browser', async (test) => {
    const { page, widget } = await anonymousChat(test, 'signup-code');
    expect(await widget.ask('hello before signing up', /Got it/)).toMatch(/hello before signing up/);
    const anonymous = await held(page);
    expect(anonymous.auth).toBe('anonymous');

    await createAccount(widget, { name: 'Hedy Lamarr', email: 'hedy.code@example.com', password: 'frequency-hopping-1942' });
    await widget.card.getByText('We sent a code to hedy.code@example.com').waitFor();
    await widget.card.getByRole('heading', { name: 'Confirm your email' }).waitFor();
    expect(await widget.card.getByLabel('Password').count()).toBe(0);
    const code = codeIn((await smtp.nextMail({ to: 'hedy.code@example.com', timeoutMs: 10_000 })).text);
    expect(code).toMatch(/^\d{6}$/);
    expect(await held(page)).toEqual(anonymous); // not signed in until the code

    await enterCode(widget, code === '000000' ? '111111' : '000000');
    await widget.card.getByRole('alert').filter({ hasText: 'That code is wrong or expired.' }).waitFor();
    expect(await held(page)).toEqual(anonymous);

    await enterCode(widget, code);
    await widget.root.locator('.system', { hasText: 'Signed in as Hedy Lamarr' }).waitFor();
    await widget.card.waitFor({ state: 'hidden' });
    expect(await widget.text()).toMatch(/hello before signing up[\s\S]*Got it[\s\S]*Signed in as Hedy Lamarr/);
    await expect(widget.root.locator('.msg.user', { hasText: 'hello before signing up' }).count()).resolves.toBe(1);
    expect(await held(page)).toEqual({ sessionId: anonymous.sessionId, auth: 'user' }); // the same session, linked
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are Hedy Lamarr/);

    // Later, another browser: the password chosen at sign-up signs in, and the conversation is there to continue.
    const later = await anonymousChat(test, 'signup-code-later');
    await signInWithPassword(later.widget, 'hedy.code@example.com', 'frequency-hopping-1942');
    await later.widget.root.locator('.system', { hasText: 'Signed in as Hedy Lamarr' }).waitFor();
    await later.widget.card.getByText('Continue a previous conversation?').waitFor();
    await later.widget.card.locator('button.choice').first().click(); // the one conversation so far
    await later.widget.root.locator('.msg.user', { hasText: 'hello before signing up' }).waitFor();

    // Signing up again with the taken address looks the same; its owner is mailed, and nothing changes.
    const again = await anonymousChat(test, 'signup-taken');
    await createAccount(again.widget, { email: 'hedy.code@example.com', password: 'someone-elses-password' });
    await again.widget.card.getByText('We sent a code to hedy.code@example.com').waitFor();
    const notice = await smtp.nextMail({ to: 'hedy.code@example.com', timeoutMs: 10_000 });
    expect(notice.text).toMatch(/Someone tried to create/);
    expect(codeIn(notice.text)).toBe('');
    await again.widget.card.getByRole('button', { name: 'Cancel' }).click();
    await signInWithPassword(again.widget, 'hedy.code@example.com', 'someone-elses-password');
    await again.widget.card.getByText('That email and password did not match an account.').waitFor();
    expect(await held(again.page)).toMatchObject({ auth: 'anonymous' });
  });

  it('a password sign-in before the address is confirmed goes on to the code for that address (localStorage mode)', async (test) => {
    const first = await anonymousChat(test, 'signup-unconfirmed', 'local');
    await createAccount(first.widget, { name: 'Grace Hopper', email: 'grace.later@example.com', password: 'compile-the-cobol-59' });
    await first.widget.card.getByText('We sent a code to grace.later@example.com').waitFor();
    const code = codeIn((await smtp.nextMail({ to: 'grace.later@example.com', timeoutMs: 10_000 })).text);
    await first.widget.card.getByRole('button', { name: 'Cancel' }).click(); // not now

    // Another browser, the password: refused until the address is proven, so the card asks for the code.
    const { page, widget } = await anonymousChat(test, 'signup-unconfirmed-later', 'local');
    await widget.ask('hello before the password', /Got it/);
    const anonymous = await held(page);
    await signInWithPassword(widget, 'grace.later@example.com', 'compile-the-cobol-59');
    await widget.card.getByText('Please confirm your email address first').waitFor();
    await widget.card.getByRole('heading', { name: 'Confirm your email' }).waitFor();
    expect(await held(page)).toEqual(anonymous);
    await enterCode(widget, code);
    await widget.root.locator('.system', { hasText: 'Signed in as Grace Hopper' }).waitFor();
    expect(await held(page)).toEqual({ sessionId: anonymous.sessionId, auth: 'user' });
    expect(await widget.text()).toMatch(/hello before the password[\s\S]*Signed in as Grace Hopper/);

    // Confirmed by sign-up's own code: the password now signs in by itself.
    const later = await anonymousChat(test, 'signup-unconfirmed-again', 'local');
    await signInWithPassword(later.widget, 'grace.later@example.com', 'compile-the-cobol-59');
    await later.widget.root.locator('.system', { hasText: 'Signed in as Grace Hopper' }).waitFor();
  });

  it('in the assistant\'s card: "Create account", the code, and the question is answered for the new user', async (test) => {
    const { widget } = await anonymousChat(test, 'signup-card');
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    const card = widget.signInCard;
    await card.getByText('Sign in to see your orders.').waitFor();
    await card.getByRole('button', { name: 'Continue with the demo provider' }).waitFor(); // the tenant's provider, besides the form
    await card.getByRole('button', { name: 'Create an account' }).click();
    await card.getByLabel('Email').fill('alan.card@example.com');
    await card.getByLabel('Password').fill('imitation-game-1950');
    await card.getByRole('button', { name: 'Create account' }).click();
    await card.getByText('We sent a code to alan.card@example.com').waitFor();
    await expect(card.locator('.providers:visible').count()).resolves.toBe(0); // the other ways step aside
    const code = codeIn((await smtp.nextMail({ to: 'alan.card@example.com', timeoutMs: 10_000 })).text);
    await card.getByLabel('Six-digit code').fill(code);
    await card.getByRole('button', { name: 'Sign in with code' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as alan.card@example.com' }).waitFor();
    await card.waitFor({ state: 'detached' });
    expect(await widget.reply(/Your orders, alan\.card@example\.com/)).toMatch(/^Your orders/);
    await expect(widget.root.locator('.msg.user', { hasText: 'show my orders' }).count()).resolves.toBe(1);
  });

  it('"Send a new code" mails another code for the sign-up, which signs in and keeps the chosen password', async (test) => {
    const { page, widget } = await anonymousChat(test, 'signup-resend');
    await createAccount(widget, { email: 'ada.resend@example.com', password: 'analytical-engine-1843' });
    await widget.card.getByText('We sent a code to ada.resend@example.com').waitFor();
    await smtp.nextMail({ to: 'ada.resend@example.com', timeoutMs: 10_000 });
    await widget.card.getByRole('button', { name: 'Send a new code' }).click();
    await widget.card.getByRole('alert').filter({ hasText: 'A new code is on its way.' }).waitFor();
    const code = codeIn((await smtp.nextMail({ to: 'ada.resend@example.com', timeoutMs: 10_000 })).text);
    expect(code).toMatch(/^\d{6}$/);
    await enterCode(widget, code);
    await widget.root.locator('.system', { hasText: 'Signed in as ada.resend@example.com' }).waitFor();
    expect(await held(page)).toMatchObject({ auth: 'user' });

    const later = await anonymousChat(test, 'signup-resend-later');
    await signInWithPassword(later.widget, 'ada.resend@example.com', 'analytical-engine-1843');
    await later.widget.root.locator('.system', { hasText: 'Signed in as ada.resend@example.com' }).waitFor();
  });
});
