import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
export const SKIP_MESSAGE = `end-to-end tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`;

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const RESULTS_DIR = fileURLToPath(new URL('../../../../../test-results/e2e/', import.meta.url));

export interface E2EBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless. Playwright gives every launch a fresh user-data
 * directory of its own (and removes it on close); each test then gets fresh
 * browser contexts on top.
 */
export async function launchBrowser(): Promise<E2EBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    browser,
    close: () => browser.close().catch(() => undefined),
  };
}

/**
 * A browser context (one visitor's browser: cookies, storage, tabs) for one test.
 * Its pages are screenshotted into test-results/e2e/ if the test fails, and it is
 * closed when the test finishes.
 */
export async function visitor(
  e2e: E2EBrowser,
  test: TestContext,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; newPage(): Promise<Page> }> {
  const context = await e2e.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const errors: string[] = [];
  test.onTestFinished(async () => {
    if (test.task.result?.state === 'fail') {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const name = test.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
      for (const [index, page] of context.pages().entries()) {
        await page.screenshot({ path: join(RESULTS_DIR, `${name}-${index + 1}.png`), fullPage: true }).catch(() => undefined);
      }
      if (errors.length) console.error(`page errors in "${test.task.name}":\n${errors.join('\n')}`);
    }
    await context.close().catch(() => undefined);
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
      return page;
    },
  };
}

/** An assistant message whose reply is whole (a streaming one is `[data-streaming]`). */
const REPLY = '.msg.assistant:not([data-streaming])';

/** The widget on a page, driven as a person would (Playwright's CSS locators pierce its open shadow root). */
export function chat(page: Page) {
  const root = page.locator('tessera-chat');
  const input = root.locator('textarea');
  return {
    root,
    input,
    launcher: root.locator('.launcher'),
    panel: root.locator('.panel'),
    log: root.locator('.log'),
    status: root.locator('.status'),
    notice: root.locator('.notice'),
    card: root.locator('.card'),
    /** The assistant's "sign in" card, in the conversation. */
    signInCard: root.locator('.signin-card'),
    stop: root.getByRole('button', { name: 'Stop the reply' }),
    streaming: root.locator('.msg.assistant[data-streaming]'),
    signIn: root.locator('button.signin'),
    signOut: root.locator('button.signout'),
    async open() {
      await root.locator('.launcher').waitFor();
      if (!(await root.locator('.panel').isVisible())) await root.locator('.launcher').click();
      await root.locator('.panel').waitFor();
    },
    async send(text: string) {
      await input.fill(text);
      await input.press('Enter');
    },
    /** The newest whole assistant message (not one still streaming in) matching `pattern`, once it is shown. */
    async reply(pattern: RegExp) {
      const message = root.locator(REPLY).filter({ hasText: pattern }).last();
      await message.waitFor();
      return (await message.locator('.body').textContent()) ?? ''; // the words, without the time
    },
    /** Sends and waits for the reply matching `pattern`. */
    async ask(text: string, pattern: RegExp) {
      const before = await root.locator(REPLY).count();
      await this.send(text);
      await root.locator(REPLY).nth(before).waitFor();
      return this.reply(pattern);
    },
    /** Answers "Continue a previous conversation?" with "No", when it was asked (right after a sign-in). */
    async keepThisConversation() {
      if (await root.locator('.card').isVisible())
        await root.locator('.card').getByRole('button', { name: 'No, keep this conversation' }).click();
    },
    async waitOnline() {
      await root.locator('.status[data-state=connected]').waitFor();
    },
    text: () => root.locator('.log').textContent(),
  };
}

/** What the page's chat holds now: its access token, session and who it is. */
export function heldBy(page: Page) {
  return page.evaluate(() => {
    const client = (window as any).Tessera.widget.client;
    const user = client.getCurrentUser();
    return {
      accessToken: client.tokens.current()?.accessToken as string,
      sessionId: user.sessionId as string,
      auth: user.auth as string,
    };
  });
}

/** Whether Tessera at `origin` still takes this access token (`GET /v1/me`'s status). */
export async function meStatusAt(origin: string, accessToken: string): Promise<number> {
  return (await fetch(`${origin}/v1/me`, { headers: { authorization: `Bearer ${accessToken}`, origin } })).status;
}
