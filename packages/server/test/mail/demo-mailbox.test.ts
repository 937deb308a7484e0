import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailCodeMail, magicLinkMail, type Mailer } from '../../src/mail/index.js';
import { linkify } from '../../src/demo/mailbox-page.js';
import { assertBuilt, startCliWith } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-mailbox-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const get = async (server: { url: string }, path: string) => {
  const response = await fetch(server.url + path);
  return { status: response.status, headers: response.headers, text: await response.text() };
};

describe('/demo/mailbox in a demo without SMTP', () => {
  let server: TestServer;
  let mail: Mailer;
  beforeAll(async () => {
    server = await startTestServer({ config: { demo: true } });
    mail = server.app.services.mail;
  });
  afterAll(() => server.stop({ removeData: true }));

  it('is empty at first', async () => {
    const json = await get(server, '/demo/mailbox.json');
    expect(json.status).toBe(200);
    expect(JSON.parse(json.text)).toEqual({ mails: [] });
    const page = await get(server, '/demo/mailbox');
    expect(page.status).toBe(200);
    expect(page.text).toContain('No mail yet');
  });

  it('shows what was sent, newest first, with its links clickable and everything escaped', async () => {
    await mail.send(
      emailCodeMail({ tenantId: server.tenantId, tenantName: 'Lumen & Oak', to: 'ada@example.test', code: '493817', minutes: 10 }),
    );
    const url = 'https://shop.example.test/v1/auth/magic?token=abc&flow=f1';
    await mail.send(
      magicLinkMail({ tenantId: server.tenantId, tenantName: '<script>alert(1)</script>', to: 'bob@example.test', url, minutes: 15 }),
    );
    await mail.send({
      kind: 'account_exists',
      tenantId: server.tenantId,
      to: 'eve@example.test',
      subject: 'Hello <img src=x onerror=alert(1)>',
      text: 'javascript:alert(1) and "quoted" http://plain.example.test/a?b=<c>. Done',
      html: '<p>x</p>',
    });

    const { mails } = JSON.parse((await get(server, '/demo/mailbox.json')).text);
    expect(mails.map((entry: { to: string }) => entry.to)).toEqual(['eve@example.test', 'bob@example.test', 'ada@example.test']);
    expect(mails[2]).toMatchObject({ kind: 'email_code', subject: '493817 is your code for Lumen & Oak', id: expect.any(String) });
    expect(mails[2].text).toContain('493817');
    expect(mails[2].html).toContain('493817');
    expect(mails[1].text).toContain(url);

    const page = await get(server, '/demo/mailbox');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = page.text;
    expect(html.indexOf('eve@example.test')).toBeLessThan(html.indexOf('bob@example.test'));
    expect(html.indexOf('bob@example.test')).toBeLessThan(html.indexOf('ada@example.test'));
    expect(html).toContain('493817');
    expect(html).toContain(`<a href="${url.replace('&', '&amp;')}"`);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Hello &lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img|href="javascript/i);
    expect(html).toContain('<a href="http://plain.example.test/a?b=" ');
  });

  it('the shop links to it', async () => {
    expect((await get(server, '/')).text).toContain('href="/demo/mailbox"');
  });
});

describe('linkify', () => {
  it.each([
    ['see https://a.test/x.', 'see <a href="https://a.test/x" target="_blank" rel="noreferrer noopener">https://a.test/x</a>.'],
    [
      '(http://a.test/?q=1&r=2)',
      '(<a href="http://a.test/?q=1&amp;r=2" target="_blank" rel="noreferrer noopener">http://a.test/?q=1&amp;r=2</a>)',
    ],
    ['ftp://a.test javascript:x data:text/html,<b>', 'ftp://a.test javascript:x data:text/html,&lt;b&gt;'],
    [
      'https://a.test/"onmouseover="x',
      '<a href="https://a.test/" target="_blank" rel="noreferrer noopener">https://a.test/</a>&quot;onmouseover=&quot;x',
    ],
  ])('%s', (text, html) => {
    expect(linkify(text)).toBe(html);
  });
});

describe('no mailbox when mail goes out over SMTP, or without the demo', () => {
  it.each([
    ['demo with SMTP', { demo: true, smtpUrl: 'smtp://127.0.0.1:1' }],
    ['no demo', { demo: false }],
  ])('%s: 404', async (_name, config) => {
    const server = await startTestServer({ config });
    try {
      expect((await get(server, '/demo/mailbox')).status).toBe(404);
      expect((await get(server, '/demo/mailbox.json')).status).toBe(404);
      if (config.demo) expect((await get(server, '/')).text).not.toContain('/demo/mailbox');
    } finally {
      await server.stop({ removeData: true });
    }
  });
});

describe('tessera start --demo (the built CLI, no SMTP)', () => {
  beforeAll(() => assertBuilt());

  it('serves /demo/mailbox and /demo/mailbox.json, empty at first', async () => {
    const running = await startCliWith(['--data', tempDir(), '--port', '0', '--init', '--demo'], {
      TESSERA_SMTP_URL: '',
      TESSERA_HOST: '',
    });
    try {
      const json = await get(running, '/demo/mailbox.json');
      expect(json.status).toBe(200);
      expect(JSON.parse(json.text)).toEqual({ mails: [] });
      const page = await get(running, '/demo/mailbox');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<h1>Demo mailbox</h1>');
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});
