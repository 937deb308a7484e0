import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

const HOSTILE_CSS = `
  body * { display: none !important; color: rgb(255, 0, 0) !important; font: 40px/1 serif !important;
           background: yellow !important; border: 9px solid red !important; margin: 50px !important; }
  tessera-chat { opacity: 0 !important; visibility: hidden !important; position: absolute !important; left: -9999px !important; }
  button, textarea, li, ol, section, div, form { all: unset !important; }
  :root { --accent: red; --fg: red; }
`;

/** The widget lives in a Shadow DOM: page CSS cannot reach in, and the widget's CSS cannot reach out. */
describe.skipIf(chromiumMissing)('style isolation in Chromium', { timeout: 60_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers(), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  const page = (body: string) => `<!doctype html><html><head><title>host</title>${body}</head><body>
<h1 class="page-title">A customer page</h1><p class="page-text">Some text.</p><button class="page-button">A page button</button>
<script src="/widget.js" data-tessera-key="${servers.demo.publishableKey}" async></script></body></html>`;

  it('keeps working and looking the same under a hostile host stylesheet', async (test) => {
    const tab = await (await visitor(e2e, test)).newPage();
    await tab.goto(servers.page('hostile', page(`<style>${HOSTILE_CSS}</style>`)));
    const widget = chat(tab);
    // the page's own elements are hidden by its CSS; the widget is not
    await expect(tab.locator('.page-title').isVisible()).resolves.toBe(false);
    await expect(widget.launcher.isVisible()).resolves.toBe(true);
    expect(await widget.launcher.boundingBox()).toMatchObject({ width: 56, height: 56 });
    await widget.open();
    await widget.waitOnline();
    expect(await widget.ask('hello from a hostile page', /Got it/)).toMatch(/hostile page/);
    const look = await widget.root
      .locator('.msg.assistant')
      .last()
      .evaluate((element) => {
        const style = getComputedStyle(element);
        return { color: style.color, fontSize: style.fontSize, display: style.display, borderWidth: style.borderTopWidth };
      });
    expect(look).toEqual({ color: 'rgb(31, 35, 40)', fontSize: '14px', display: 'list-item', borderWidth: '1px' });
    const panel = await widget.panel.boundingBox();
    expect(panel).toMatchObject({ width: 380 });
    expect(panel!.x + panel!.width).toBeLessThanOrEqual(1280);
  });

  it('does not change the host page: no global styles, one host element, page styles as before', async (test) => {
    const tab = await (await visitor(e2e, test)).newPage();
    const styled = '<style>.page-text { color: rgb(0, 128, 0); } .page-button { padding: 3px; }</style>';
    const withWidget = servers.page('plain', page(styled));
    const withoutWidget = servers.page('without-widget', page(styled).replace(/<script src="\/widget.js"[^>]*><\/script>/, ''));
    const snapshot = () =>
      tab.evaluate(() => {
        const pick = (selector: string) => {
          const style = getComputedStyle(document.querySelector(selector)!);
          return [style.color, style.fontFamily, style.fontSize, style.padding, style.margin, style.display].join('|');
        };
        return {
          styleSheets: document.styleSheets.length,
          bodyChildren: [...document.body.children].map((e) => e.tagName.toLowerCase()).filter((tag) => tag !== 'script'),
          styles: ['body', '.page-title', '.page-text', '.page-button'].map(pick),
        };
      });
    await tab.goto(withoutWidget);
    const before = await snapshot();
    await tab.goto(withWidget);
    await chat(tab).launcher.waitFor();
    await chat(tab).open();
    await chat(tab).waitOnline();
    const after = await snapshot();
    expect(after.styleSheets).toBe(before.styleSheets);
    expect(after.styles).toEqual(before.styles);
    expect(after.bodyChildren).toEqual([...before.bodyChildren, 'tessera-chat']);
  });
});
