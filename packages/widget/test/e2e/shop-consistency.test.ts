import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOrdersOf } from '../../../server/src/agents/orders-tool.js';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/** The demo shop agrees with itself: every tab's header, and the chat's prices with the shelf's. */
describe.skipIf(chromiumMissing)('the demo shop stays consistent in Chromium', { timeout: 60_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers({ withoutMail: true }), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  it('the header follows a login and a logout in every tab, whichever tab (or the chat) did it', async (test) => {
    const { newPage } = await visitor(e2e, test);
    const first = await newPage();
    await first.goto(`${servers.url}/`);
    const second = await newPage();
    await second.goto(`${servers.url}/`);
    const header = (page: typeof first) => page.locator('#account-name');
    await expect(header(second).textContent()).resolves.toBe('Not logged in');

    await first.locator('#account-button').click();
    await first.locator('dialog#login [data-user=ada]').click();
    await header(first).filter({ hasText: 'Hi, Ada Lovelace' }).waitFor();
    await header(second).filter({ hasText: 'Hi, Ada Lovelace' }).waitFor();

    await first.locator('#account-button').click(); // the shop's "Log out"
    await header(second).filter({ hasText: 'Not logged in' }).waitFor();
    await expect(second.locator('#account-button').textContent()).resolves.toBe('Log in');

    // The chat's own "Sign out" in the second tab logs the shop out in the first one too.
    // This tab's chat hears of the logout too: it either took the new anonymous session the other
    // tab started, or says its session ended and starts one with the next message (whichever it
    // heard of first). Once it has heard, a message brings it online either way.
    const heard = () =>
      second.evaluate(() => {
        const client = (window as any).Tessera.widget.client;
        return client.state === 'closed' || (client.state === 'connected' && client.getCurrentUser()?.auth === 'anonymous');
      });
    await expect.poll(heard, { timeout: 10_000 }).toBe(true);
    const widget = chat(second);
    await widget.open();
    await widget.ask('still there?', /Got it/);
    await widget.waitOnline();
    await second.locator('#account-button').click();
    await second.locator('dialog#login [data-user=grace]').click();
    await header(first).filter({ hasText: 'Hi, Grace Hopper' }).waitFor();
    await widget.status.filter({ hasText: 'Signed in as Grace Hopper' }).waitFor();
    await widget.signOut.click();
    await header(first).filter({ hasText: 'Not logged in' }).waitFor();
    await header(second).filter({ hasText: 'Not logged in' }).waitFor();
  });

  it("lists the signed-in customer's orders as Markdown, at the shop's own prices", async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${servers.url}/`);
    const shelf = new Map<string, string>();
    for (const card of await page.locator('.grid .card').all()) {
      shelf.set((await card.locator('.name').textContent())!, (await card.locator('.price').textContent())!);
    }
    expect(shelf.size).toBe(6);

    const widget = chat(page);
    await widget.open();
    await widget.signIn.click();
    await page.locator('dialog#login [data-user=ada]').click();
    await widget.root.locator('.system', { hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.keepThisConversation();
    await widget.ask('show my orders', /Your orders, Ada Lovelace/);
    const items = widget.root.locator('.msg.assistant .md li');
    const orders = demoOrdersOf(servers.tenantId, 'demo-ada');
    await expect(items.count()).resolves.toBe(orders.length);
    for (const [index, order] of orders.entries()) {
      const line = (await items.nth(index).textContent())!;
      const item = (await items.nth(index).locator('strong').textContent())!;
      expect(item).toBe(order.item);
      // "… × 2 at $89.00: $178.00, shipped (ord_…)": the unit price is the one on the shelf
      const [, unit, total] = /at (\$[\d.]+): (\$[\d.]+)/.exec(line)!;
      expect(unit).toBe(shelf.get(item));
      expect(Number(total!.slice(1))).toBeCloseTo(Number(unit!.slice(1)) * order.quantity, 2);
      expect(line).toContain(order.id);
    }
  });
});
