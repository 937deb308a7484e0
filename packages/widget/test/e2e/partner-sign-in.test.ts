import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/** The partner page's chat asks for sign-in and offers the tenant's own ways, in the conversation. */
describe.skipIf(chromiumMissing)('sign-in on the partner page in Chromium', { timeout: 60_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers(), launchBrowser()]); // mail kept in the demo mailbox
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  /** The newest code mailed to `to`, from the demo mailbox. */
  async function mailedCode(to: string): Promise<string> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { mails } = (await (await fetch(`${servers.url}/demo/mailbox.json`)).json()) as { mails: { to: string; text: string }[] };
      const code = /\b(\d{6})\b/.exec(mails.find((mail) => mail.to === to)?.text ?? '')?.[1];
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no code mailed to ${to}`);
  }

  it('"show my orders": the card offers the provider and email; a code signs the same chat in and the orders come', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${servers.partner.url}/`);
    const widget = chat(page);
    await widget.open();
    await widget.waitOnline();
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    const card = widget.signInCard;
    await card.getByText('Sign in to see your orders.').waitFor();
    await card.getByRole('button', { name: 'Continue with the demo provider' }).waitFor();
    await card.getByRole('button', { name: 'Email me a code' }).click();
    await card.getByLabel('Your email').fill('reader@example.com');
    await card.getByRole('button', { name: 'Send code' }).click();
    await card.getByLabel('Six-digit code').fill(await mailedCode('reader@example.com'));
    await card.getByRole('button', { name: 'Sign in with code' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as reader@example.com' }).waitFor();
    await card.waitFor({ state: 'detached' });
    expect(await widget.reply(/Your orders, reader@example\.com/)).toMatch(/^Your orders/);
    // formatted: the Markdown chunk came from Tessera's origin into the partner's page (CORS); the reply
    // shows as text until the chunk has loaded, so wait for the list rather than count it at once
    await widget.root.locator('.msg.assistant .md li').first().waitFor();
    await expect(widget.root.locator('.msg.user', { hasText: 'show my orders' }).count()).resolves.toBe(1);
  });
});
