import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/** An agent reply carrying every trick a hostile or careless model could write. */
const HOSTILE = [
  'Here are **bold**, _em_ and `code<b>`.',
  '',
  '- one',
  '- [a safe link](https://example.com/docs "docs")',
  '- [a script link](javascript:alert(1))',
  '- [data](data:text/html,<script>alert(1)</script>) and [vb](vbscript:msgbox)',
  '',
  '<img src=x onerror="window.__pwned=1">',
  '',
  '<script>window.__pwned=2</script>',
  '',
  'Inline <b onmouseover="window.__pwned=3">raw</b> HTML and ![pic](https://example.com/tracker.png) &amp; <a href="javascript:alert(1)">a</a>',
  '',
  '```',
  '<svg onload="window.__pwned=4">',
  '```',
].join('\n');

/** The widget in a page that mounts it with `extra` options, on Tessera's own origin. */
const mountPage = (servers: DemoServers, name: string, extra: string) =>
  servers.page(
    name,
    `<!doctype html><title>${name}</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, open: true, ${extra} });</script>`,
  );

/** Agent replies as Markdown (rendered safely), timestamps, theming and languages, in Chromium. */
describe.skipIf(chromiumMissing)('formatting, time, theme and language in Chromium', { timeout: 60_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers(), launchBrowser()]);
    servers.script('(hostile)', HOSTILE);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  const bubble = (page: Page) => chat(page).root.locator('.msg.assistant .body.md').last();

  it('renders an agent reply as Markdown and runs none of its HTML or script links', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const chunks: string[] = [];
    const external: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('widget-markdown.js')) chunks.push(request.url());
      if (request.url().startsWith('https://example.com')) external.push(request.url());
    });
    await page.goto(mountPage(servers, 'hostile', ''));
    const widget = chat(page);
    await widget.waitOnline();
    await widget.ask('hello', /Got it/);
    expect(chunks).toEqual([]); // plain replies never load the Markdown chunk

    await widget.send('tell me (hostile)');
    const body = bubble(page);
    await body.waitFor();
    await expect(body.locator('strong').first().textContent()).resolves.toBe('bold');
    await expect(body.locator('em').textContent()).resolves.toBe('em');
    await expect(body.locator('code').first().textContent()).resolves.toBe('code<b>');
    await expect(body.locator('ul > li').count()).resolves.toBe(4);
    // only the https links are links (the image becomes one, never loaded), to a new tab, without opener or referrer
    const links = body.locator('a');
    await expect(links.evaluateAll((all) => all.map((a) => a.getAttribute('href')))).resolves.toEqual([
      'https://example.com/docs',
      'https://example.com/tracker.png',
    ]);
    await expect(links.first().getAttribute('target')).resolves.toBe('_blank');
    await expect(links.first().getAttribute('rel')).resolves.toBe('noopener noreferrer nofollow');
    // unsafe links keep only their text; raw HTML shows as text; the image is not loaded
    await expect(body.textContent()).resolves.toContain('a script link');
    await expect(body.textContent()).resolves.toContain('<img src=x onerror="window.__pwned=1">');
    await expect(body.textContent()).resolves.toContain('<script>window.__pwned=2</script>');
    await expect(body.textContent()).resolves.toContain('<svg onload="window.__pwned=4">');
    await expect(body.textContent()).resolves.toContain('raw');
    await expect(body.locator('img, script, svg, iframe, [onerror], [onload], [onmouseover]').count()).resolves.toBe(0);
    await body.locator('li', { hasText: 'a script link' }).click();
    await body.locator('p', { hasText: 'raw' }).hover();
    await page.waitForTimeout(300);
    await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(external).toEqual([]);
    expect(chunks).toHaveLength(1);
  });

  it("stamps messages with their time in the visitor's language", async (test) => {
    const page = await (await visitor(e2e, test, { locale: 'en-US', timezoneId: 'UTC' })).newPage();
    await page.goto(mountPage(servers, 'time', ''));
    const widget = chat(page);
    await widget.waitOnline();
    await widget.ask('what time is it', /Got it/);
    const stamp = widget.root.locator('.msg.assistant time').last();
    const datetime = (await stamp.getAttribute('datetime'))!;
    expect(Math.abs(Date.parse(datetime) - Date.now())).toBeLessThan(60_000);
    const expected = new Date(datetime).toLocaleTimeString('en-US', { timeStyle: 'short', timeZone: 'UTC' });
    await expect(stamp.textContent()).resolves.toBe(expected);
    await expect(widget.root.locator('.msg.user time').last().isVisible()).resolves.toBe(true);
  });

  it("takes its colours from the theme option and from the page's CSS custom properties", async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(
      mountPage(servers, 'theme', `theme: { accent: 'rgb(11, 110, 79)', radius: '3px', background: 'url(https://evil.example/x)' }`),
    );
    const widget = chat(page);
    await widget.waitOnline();
    const style = (selector: string, property: string) =>
      widget.root
        .locator(selector)
        .first()
        .evaluate((element, name) => getComputedStyle(element).getPropertyValue(name), property);
    await expect(style('header', 'background-color')).resolves.toBe('rgb(11, 110, 79)');
    await widget.ask('hello', /Got it/);
    await expect(style('.msg.user', 'background-color')).resolves.toBe('rgb(11, 110, 79)');
    await expect(style('.msg.user', 'border-top-left-radius')).resolves.toBe('3px');
    await expect(style('.panel', 'background-color')).resolves.toBe('rgb(255, 255, 255)'); // url() refused
    // the page's own CSS reaches the widget through its custom properties only
    await page.addStyleTag({ content: 'tessera-chat { --tessera-surface: rgb(1, 2, 3); } .msg { background: red !important; }' });
    await expect(style('.msg.assistant', 'background-color')).resolves.toBe('rgb(1, 2, 3)');
  });

  it('speaks French when asked (locale option) or when the browser does, English otherwise', async (test) => {
    const french = await (await visitor(e2e, test, { locale: 'fr-FR' })).newPage();
    await french.goto(mountPage(servers, 'browser-fr', ''));
    const widget = chat(french);
    await widget.waitOnline();
    await widget.status.filter({ hasText: 'En ligne' }).waitFor();
    await expect(widget.input.getAttribute('placeholder')).resolves.toBe('Écrivez un message…');
    await expect(widget.root.locator('header .close').getAttribute('aria-label')).resolves.toBe('Fermer la discussion');
    await widget.send('show my orders');
    await widget.signInCard.getByRole('button', { name: 'Pas maintenant' }).waitFor();
    await expect(widget.root.locator('.msg.user time').last().textContent()).resolves.toMatch(/^\d{2}:\d{2}$/); // 24-hour clock

    const chosen = await (await visitor(e2e, test, { locale: 'en-US' })).newPage();
    await chosen.goto(mountPage(servers, 'option-fr', `locale: 'fr', strings: { title: 'Aide Lumen' }`));
    await chat(chosen).status.filter({ hasText: 'En ligne' }).waitFor();
    await expect(chosen.getByRole('dialog', { name: 'Aide Lumen' }).isVisible()).resolves.toBe(true);

    const english = await (await visitor(e2e, test, { locale: 'de-DE' })).newPage();
    await english.goto(mountPage(servers, 'fallback', ''));
    await chat(english).status.filter({ hasText: 'Online' }).waitFor();
    await expect(chat(english).input.getAttribute('placeholder')).resolves.toBe('Type a message…');
  });
});
