import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/** The partner page on another port: the widget starts with an init token from the partner's backend. */
describe.skipIf(chromiumMissing)('the partner page in Chromium', { timeout: 60_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers(), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  it('works from the partner origin: init token, then a session; tokens in localStorage with an idle lifetime', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    const initTokens: number[] = [];
    page.on('response', (response) => {
      if (response.url() === `${servers.partner.url}/init-token`) initTokens.push(response.status());
    });
    const started = page.waitForResponse((r) => r.url() === `${servers.url}/v1/sessions` && r.request().method() === 'POST');
    await page.goto(`${servers.partner.url}/`);
    expect((await started).status()).toBe(201);
    const widget = chat(page);
    await widget.open();
    await widget.waitOnline();
    expect(await widget.ask('who am I', /anonymous/)).toMatch(/chatting anonymously/);
    expect(initTokens).toEqual([200]);
    // no login of its own on this page: "Sign in" offers the tenant's providers (the demo's `demo`)
    await widget.signIn.waitFor();

    const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), `tessera.widget:${servers.url}`);
    expect(stored).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^rt_/),
      savedAtMs: expect.any(Number),
    });

    // a reload reuses the stored session (no new init token)
    const sessionId = await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId);
    await page.reload();
    await widget.open();
    await widget.root.locator('.msg.assistant', { hasText: /chatting anonymously/ }).waitFor();
    expect(await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId)).toBe(sessionId);
    expect(initTokens).toEqual([200]);

    // tokens left idle past the lifetime are not used: a new init token, a new session
    await page.evaluate((key) => {
      const value = JSON.parse(localStorage.getItem(key)!);
      localStorage.setItem(key, JSON.stringify({ ...value, savedAtMs: value.savedAtMs - 2 * 3600_000 }));
    }, `tessera.widget:${servers.url}`);
    await page.reload();
    await widget.open();
    await widget.waitOnline();
    await expect.poll(() => initTokens.length).toBe(2);
    expect(await page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser().sessionId)).not.toBe(sessionId);
  });

  it('is refused from an origin the partner did not register', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    // The browser's CORS preflight is not answered for a foreign origin, so the page never reads a session.
    const refused = page.waitForEvent('requestfailed', (r) => r.url() === `${servers.url}/v1/sessions` && r.method() === 'POST');
    await page.goto(`${servers.foreignPartnerUrl}/`);
    await refused;
    const widget = chat(page);
    await widget.open();
    await widget.send('hello?');
    // never connected: the message waits, and the status says so
    await widget.root.locator('.msg.user[data-pending]', { hasText: 'hello?' }).waitFor();
    await expect(widget.status.getAttribute('data-state')).resolves.not.toBe('connected');
    await expect(page.evaluate(() => (window as any).Tessera.widget.client.getCurrentUser())).resolves.toBeNull();

    // the server's answer, as the partner's page would get it without CORS in the way
    const minted = await (await fetch(`${servers.partner.url}/init-token`, { method: 'POST' })).json();
    const direct = await fetch(`${servers.url}/v1/sessions`, {
      method: 'POST',
      headers: { origin: servers.foreignPartnerUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ initToken: minted.initToken }),
    });
    expect(direct.status).toBe(403);
    expect((await direct.json()).error.code).toBe('ORIGIN_NOT_ALLOWED');
  });
});
