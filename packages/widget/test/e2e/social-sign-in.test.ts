import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubTestServer, type GitHubTestServer } from '../../../server/test/support/github-test-server.js';
import { startOidcProvider, type OidcTestProvider } from '../../../server/test/support/oidc-test-provider.js';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser, heldBy, meStatusAt } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

const OIDC_CLIENT = { clientId: 'tessera-e2e', clientSecret: 'e2e-oidc-client-secret-0123456789' };
const GITHUB_CLIENT = { clientId: 'Iv1.e2e0123456789', clientSecret: 'e2e-github-client-secret-0123456789' };

/**
 * "Continue with {provider}" in the widget: a popup at a real OpenID provider (oidc-provider over
 * https, its own port) or a GitHub-shaped one, then the flow redeemed by the chat that started it.
 * Pages are served by Tessera at http://localhost:PORT, its default public URL, so its callback
 * page is on the widget's own Tessera origin (the `postMessage` path, not only the socket's).
 */
describe.skipIf(chromiumMissing)('sign-in with a provider in Chromium', { timeout: 90_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;
  let oidc: OidcTestProvider;
  let github: GitHubTestServer;
  /** Tessera as browsers reach it (its public URL). */
  let origin: string;
  /** A customer page, tokens in localStorage: sign-ins happen on the open socket. */
  let localPage: string;
  /** The same page in cookie mode (same origin): sign-ins go over HTTP, the refresh token is a cookie. */
  let cookiePage: string;

  beforeAll(async () => {
    [servers, e2e] = await Promise.all([startDemoServers(), launchBrowser()]);
    origin = servers.url.replace('127.0.0.1', 'localhost');
    const callback = (provider: string) => `${origin}/v1/auth/oauth/${provider}/callback`;
    [oidc, github] = await Promise.all([
      startOidcProvider({ clients: [{ ...OIDC_CLIENT, redirectUris: [callback('acme')] }] }),
      startGitHubTestServer({ ...GITHUB_CLIENT, mode: 'page' }),
    ]);
    await addProviders([
      { id: 'acme', kind: 'oidc', name: 'Acme ID', issuer: oidc.issuer, ...OIDC_CLIENT },
      {
        id: 'github',
        kind: 'github',
        ...GITHUB_CLIENT,
        authorizationUrl: github.authorizationUrl,
        tokenUrl: github.tokenUrl,
        apiUrl: github.apiUrl,
      },
    ]);
    const page = (name: string, storage: string) =>
      servers
        .page(
          name,
          `<!doctype html><title>${name}</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, tokenStorage: '${storage}', open: true });</script>`,
        )
        .replace(servers.url, origin);
    localPage = page('social-local', 'local');
    cookiePage = page('social-cookie', 'cookie');
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await Promise.all([oidc?.stop(), github?.stop()]);
    await servers?.stop();
  });

  /** The tenant's providers: the demo's own (`demo`, plain http, which the admin API would refuse) and these. */
  async function addProviders(providers: object[]): Promise<void> {
    const headers = { authorization: `Bearer ${servers.secretKey}` };
    const current = await (await fetch(`${servers.url}/v1/settings`, { headers })).json();
    // Given without a clientSecret, a provider keeps its stored one.
    const kept = (current.oauth?.providers ?? []).map(({ clientSecret: _, ...provider }: { clientSecret?: string }) => provider);
    await servers.app.services.tenants.updateSettings(servers.tenantId, { oauth: { providers: [...kept, ...providers] } as never });
  }

  const held = heldBy;

  const meStatus = (accessToken: string) => meStatusAt(origin, accessToken);

  /** Records the `message` events the page gets (the callback page's), and the frames its sockets send. */
  async function watch(page: Page): Promise<{ frames: any[]; messages: () => Promise<{ origin: string; data: any }[]> }> {
    await page.addInitScript(() => {
      const seen: unknown[] = [];
      (window as any).seenMessages = seen;
      addEventListener('message', (event) => seen.push({ origin: event.origin, data: event.data }));
    });
    const frames: any[] = [];
    page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => frames.push(JSON.parse(String(payload)))));
    return { frames, messages: () => page.evaluate(() => (window as any).seenMessages) };
  }

  /** Presses "Continue with {name}" in `where` and returns the popup it opened. */
  async function continueWith(page: Page, where: ReturnType<typeof chat>['card'], name: string): Promise<Page> {
    const opened = page.waitForEvent('popup');
    await where.getByRole('button', { name: `Continue with ${name}` }).click();
    return opened;
  }

  it('OIDC in a popup: anonymous chat, "Continue with Acme ID", Ada allows; the same conversation goes on as Ada', async (test) => {
    const page = await (await visitor(e2e, test, { ignoreHTTPSErrors: true })).newPage();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    const { frames, messages } = await watch(page);
    await page.goto(localPage);
    const widget = chat(page);
    await widget.waitOnline();
    expect(await widget.ask('hello before signing in', /Got it/)).toMatch(/hello before signing in/);
    const anonymous = await held(page);
    expect(anonymous.auth).toBe('anonymous');

    await widget.signIn.click(); // the header's "Sign in": the card with the tenant's providers
    const popup = await continueWith(page, widget.card, 'Acme ID');
    await popup.getByRole('button', { name: 'Continue as Ada Lovelace' }).click();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await closed; // the callback page told the chat, and closed itself

    await widget.root.locator('.system', { hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.status.filter({ hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.card.waitFor({ state: 'hidden' });
    expect(await widget.text()).toMatch(/hello before signing in[\s\S]*Got it[\s\S]*Signed in as Ada Lovelace/);
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are Ada Lovelace \(user id /);

    const user = await held(page);
    expect(user).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' }); // the same session, linked
    expect(sockets).toHaveLength(1); // redeemed in-band: the socket stayed open, as Ada's
    // The callback page's message (from Tessera's origin) and the socket's flow_completed: redeemed once.
    const [message] = await messages();
    expect(message).toEqual({ origin, data: { type: 'tessera:flow', flowId: expect.stringMatching(/^flow_/), state: 'completed' } });
    expect(frames.filter((frame) => frame.type === 'authenticate')).toEqual([
      { type: 'authenticate', method: 'flow', flowId: message!.data.flowId, flowSecret: expect.any(String), id: expect.any(String) },
    ]);
    expect(await meStatus(anonymous.accessToken)).toBe(401); // the anonymous token is dead
    expect(await meStatus(user.accessToken)).toBe(200);
    await expect(widget.root.locator('.msg.user', { hasText: 'hello before signing in' }).count()).resolves.toBe(1);
  });

  it('GitHub from the assistant\'s card: "show my orders", Authorize, and the answer comes for the user', async (test) => {
    const page = await (await visitor(e2e, test, { ignoreHTTPSErrors: true })).newPage();
    await page.goto(localPage);
    const widget = chat(page);
    await widget.waitOnline();
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    const anonymous = await held(page);

    // The page has no login of its own: the assistant's card offers the tenant's providers.
    await widget.signInCard.getByText('Sign in to see your orders.').waitFor();
    const popup = await continueWith(page, widget.signInCard, 'GitHub');
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Authorize' }).click();
    await closed;

    await widget.root.locator('.system', { hasText: 'Signed in as The Octocat' }).waitFor();
    await widget.signInCard.waitFor({ state: 'detached' });
    expect(await widget.reply(/Your orders, The Octocat/)).toMatch(/^Your orders, The Octocat:/); // asked once, answered again
    await expect(widget.root.locator('.msg.user', { hasText: 'show my orders' }).count()).resolves.toBe(1);
    expect(await held(page)).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' });
    expect(await meStatus(anonymous.accessToken)).toBe(401);
  });

  it("the agent asks before the tenant's providers have loaded: the card waits for them and offers them", async (test) => {
    const page = await (await visitor(e2e, test, { ignoreHTTPSErrors: true })).newPage();
    let release!: () => void;
    const providersHeld = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/v1/auth/providers', async (route) => {
      await providersHeld;
      await route.continue();
    });
    await page.goto(localPage);
    const widget = chat(page);
    await widget.waitOnline();
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    release();
    await widget.signInCard.getByRole('button', { name: 'Continue with GitHub' }).waitFor();
    await expect(widget.root.locator('.signin-card').count()).resolves.toBe(1);
  });

  it('the person denies at the provider: the card says it was cancelled, and the chat stays anonymous', async (test) => {
    const page = await (await visitor(e2e, test, { ignoreHTTPSErrors: true })).newPage();
    const { frames, messages } = await watch(page);
    await page.goto(localPage);
    const widget = chat(page);
    await widget.waitOnline();
    await widget.ask('hello', /Got it/);
    const anonymous = await held(page);

    await widget.signIn.click();
    const popup = await continueWith(page, widget.card, 'Acme ID');
    await popup.getByRole('button', { name: 'Continue as Ada Lovelace' }).click();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Deny' }).click();
    await closed;

    await widget.card.getByRole('alert').filter({ hasText: 'Sign-in was cancelled.' }).waitFor();
    // (the socket's flow_failed may have come first: either says it)
    await expect
      .poll(async () => (await messages())[0]?.data)
      .toMatchObject({ type: 'tessera:flow', state: 'failed', code: 'FLOW_DENIED' });
    expect(frames.filter((frame) => frame.type === 'authenticate')).toEqual([]); // nothing to redeem
    expect(await held(page)).toEqual(anonymous);
    expect(await widget.ask('who am I', /You are/)).toMatch(/chatting anonymously/);
    await expect(widget.status.textContent()).resolves.not.toMatch(/Signed in/);
    expect(await meStatus(anonymous.accessToken)).toBe(200);
  });

  it('the person closes the popup: the card is ready again, nothing is said, the chat stays anonymous', async (test) => {
    const page = await (await visitor(e2e, test, { ignoreHTTPSErrors: true })).newPage();
    await page.goto(localPage);
    const widget = chat(page);
    await widget.waitOnline();
    await widget.signIn.click();
    const popup = await continueWith(page, widget.card, 'Acme ID');
    await popup.getByRole('button', { name: 'Continue as Ada Lovelace' }).waitFor();
    const progress = widget.card.locator('.flow-progress'); // (empty, it is hidden)
    await expect(progress.textContent()).resolves.toBe('Finish signing in in the new window.');
    await popup.close();
    await expect.poll(() => progress.textContent(), { timeout: 10_000 }).toBe(''); // the flow is still pending: no error
    await expect(widget.card.locator('.providers .error').textContent()).resolves.toBe('');
    await expect(widget.card.getByRole('button', { name: 'Continue with Acme ID' }).isEnabled()).resolves.toBe(true);
    expect((await held(page)).auth).toBe('anonymous');
  });

  it('popup blocked: the page goes to the provider and comes back signed in (cookie mode), history intact', async (test) => {
    const { context, newPage } = await visitor(e2e, test, { ignoreHTTPSErrors: true });
    await context.addInitScript(() => {
      window.open = () => null; // a popup blocker
    });
    const page = await newPage();
    await page.goto(cookiePage);
    const widget = chat(page);
    await widget.waitOnline();
    await widget.ask('hello before the redirect', /Got it/);
    const anonymous = await held(page);

    await widget.signIn.click();
    await widget.card.getByRole('button', { name: 'Continue with Acme ID' }).click();
    await page.waitForURL(`${oidc.issuer}/**`);
    await page.getByRole('button', { name: 'Continue as Grace Hopper' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(cookiePage);

    await widget.root.locator('.system', { hasText: 'Signed in as Grace Hopper' }).waitFor();
    await widget.status.filter({ hasText: 'Signed in as Grace Hopper' }).waitFor();
    await widget.root.locator('.msg.user', { hasText: 'hello before the redirect' }).waitFor(); // from the server's history
    expect(await widget.ask('who am I', /You are/)).toMatch(/^You are Grace Hopper/);
    expect(await held(page)).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' });
    expect(await meStatus(anonymous.accessToken)).toBe(401);
    await expect(page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('tessera.widget.flow')))).resolves.toEqual(
      [],
    ); // redeemed, and forgotten
  });

  it('the demo shop: its login dialog offers "Sign in with the demo provider", which signs the chat in', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${origin}/`);
    const widget = chat(page);
    await widget.open();
    expect(await widget.ask('show my orders', /log in/)).toBe('Please log in to see your orders.');
    await widget.signInCard.getByRole('button', { name: 'Sign in', exact: true }).click(); // the shop's own login dialog
    const choice = page.locator('dialog#login').getByRole('button', { name: /Sign in with the demo provider/ });
    const opened = page.waitForEvent('popup');
    await choice.click();
    const popup = await opened;
    await popup.getByRole('button', { name: 'Continue as Ada Lovelace' }).click();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await closed;
    await widget.root.locator('.system', { hasText: 'Signed in as Ada Lovelace' }).waitFor();
    await widget.keepThisConversation();
    expect(await widget.reply(/Your orders, Ada Lovelace/)).toMatch(/^Your orders, Ada Lovelace:/);
  });
});
