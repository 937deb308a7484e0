import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/** Every console error and uncaught exception of a page, as text. */
function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** A visitor's first visit, in a browser that has never seen the site: nothing red in the console. */
describe.skipIf(chromiumMissing)('a first visit in Chromium', { timeout: 60_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers(), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  for (const [name, url] of [
    ['the demo shop', () => `${servers.url}/`],
    ['the partner page', () => `${servers.partner.url}/`],
  ] as const) {
    it(`${name}: opens the chat, chats one message, and logs no console error`, async (test) => {
      const page = await (await visitor(e2e, test)).newPage();
      const errors = consoleErrors(page);
      await page.goto(url());
      const widget = chat(page);
      await widget.open();
      await widget.waitOnline();
      expect(await widget.ask('hello there', /Got it/)).toMatch(/hello there/);
      await page.waitForLoadState('networkidle');
      expect(errors).toEqual([]);
    });
  }

  it('the demo shop: a reload restores the session (no new one), and a visit after signing out is as clean', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    const errors = consoleErrors(page);
    const refreshes: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/v1/auth/refresh')) refreshes.push(response.status());
    });
    await page.goto(`${servers.url}/`);
    const widget = chat(page);
    await widget.open();
    await widget.ask('remember me', /Got it/);
    expect(refreshes).toEqual([]); // a first visit does not look for a session it cannot have
    const sessionId = await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId);

    await page.reload();
    await widget.root.locator('.msg.user', { hasText: 'remember me' }).waitFor();
    expect(refreshes).toEqual([200]); // this browser had a session: restored from the refresh cookie
    expect(await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId)).toBe(sessionId);

    await page.evaluate(() => (window as any).Tessera.widget.logout());
    await widget.root.locator('.system', { hasText: 'You signed out.' }).waitFor();
    await widget.waitOnline();
    await page.reload();
    await widget.waitOnline();
    await widget.ask('hello again', /Got it/);
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
  });
});
