import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from '../../../widget/test/e2e/support/browser.js';
import { checkEnvironment } from '../../../widget/test/e2e/support/guard.js';
import { api, ORIGIN, startTestServer, type TestServer } from '../support/test-server.js';

checkEnvironment();

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * "Your web app": a page server on its own origin that serves docs/quickstart's snippets as
 * they are written, with only the placeholders (`https://chat.example.com`, `pk_…`) filled in.
 */
async function startWebApp(tessera: () => TestServer): Promise<{ url: string; server: Server }> {
  const fill = (text: string) => text.replaceAll('https://chat.example.com', tessera().url).replaceAll('pk_…', tessera().publishableKey);
  const snippet = async (name: string) => fill(await readFile(join(ROOT, 'docs/quickstart', name), 'utf8'));
  const pages: Record<string, () => Promise<[string, string]>> = {
    '/widget': async () => ['text/html', `<!doctype html><html><body><h1>Your app</h1>\n${await snippet('widget-tag.html')}</body></html>`],
    '/web-app': async () => [
      'text/html',
      `<!doctype html><html><head><script type="importmap">{"imports":{"@tessera/client":"/sdk/client/index.js","@tessera/protocol":"/sdk/protocol/index.js"}}</script></head>
       <body><script type="module" src="/web-app.mjs"></script></body></html>`,
    ],
    '/web-app.mjs': async () => ['text/javascript', await snippet('web-app.mjs')],
  };
  const server = createServer(async (request, response) => {
    const path = request.url ?? '/';
    const sdk = /^\/sdk\/(client|protocol)\/([\w/.-]+\.js)$/.exec(path);
    if (sdk) {
      const dist = join(ROOT, 'packages', sdk[1], 'dist');
      const file = normalize(join(dist, sdk[2]));
      const source = file.startsWith(dist) ? await readFile(file, 'utf8').catch(() => null) : null;
      if (source !== null) return response.writeHead(200, { 'content-type': 'text/javascript' }).end(source);
    }
    const page = pages[path];
    if (!page) return response.writeHead(404).end();
    const [type, body] = await page();
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe.skipIf(chromiumMissing)('quickstarts in Chromium: the widget tag and the SDK in a web app', { timeout: 60_000 }, () => {
  let tessera: TestServer;
  let app: { url: string; server: Server };
  let e2e: E2EBrowser;

  beforeAll(async () => {
    app = await startWebApp(() => tessera);
    [tessera, e2e] = await Promise.all([startTestServer({ settings: { allowedOrigins: [ORIGIN, app.url] } }), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    app?.server.close();
    await tessera?.stop({ removeData: true });
  });

  it('the widget tag, on an allowed origin, chats at once', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${app.url}/widget`);
    const widget = chat(page);
    await widget.open();
    await widget.waitOnline();
    expect(await widget.ask('who am I', /anonymous/)).toMatch(/anonymous/);
  });

  it('the SDK module connects and the reply comes back', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    const lines: string[] = [];
    page.on('console', (message) => lines.push(message.text()));
    await page.goto(`${app.url}/web-app`);
    await expect.poll(() => lines.find((line) => line.startsWith('assistant:')), { timeout: 15_000 }).toMatch(/anonymous/);
    expect(lines).toContain('chat: connected');
    expect(lines.filter((line) => line.startsWith('chat error:'))).toEqual([]);
  });

  it('the same page on an origin that was never added is refused: never connected, no reply', async (test) => {
    const removed = await api(tessera, 'PATCH', '/v1/settings', {
      headers: { 'x-api-key': tessera.secretKey },
      body: { allowedOrigins: [ORIGIN] },
      origin: null,
    });
    expect(removed.status).toBe(200);
    const page = await (await visitor(e2e, test)).newPage();
    const lines: string[] = [];
    page.on('console', (message) => lines.push(message.text()));
    await page.goto(`${app.url}/web-app`);
    await page.waitForTimeout(2000);
    // Said once, not retried for ever: the refusal is readable by the page it refuses.
    await expect.poll(() => lines.filter((line) => line === 'chat error: ORIGIN_NOT_ALLOWED').length, { timeout: 10_000 }).toBe(1);
    expect(lines).not.toContain('chat: connected');
    expect(lines.some((line) => line.startsWith('assistant:'))).toBe(false);

    // The widget tag (the refresh cookie's credentialed calls fail their preflight there) says so too.
    const widgetPage = await (await visitor(e2e, test)).newPage();
    await widgetPage.goto(`${app.url}/widget`);
    await chat(widgetPage).open();
    await widgetPage.getByText('This chat is not enabled on this website.').first().waitFor({ timeout: 10_000 });
  });
});
