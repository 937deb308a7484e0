import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chromiumMissing, launchBrowser, visitor, type E2EBrowser, heldBy, meStatusAt } from './support/browser.js';
import { checkEnvironment } from './support/guard.js';
import { startDemoServers, type DemoServers } from './support/servers.js';

checkEnvironment();

/**
 * Passkeys in the widget, with Chromium's virtual authenticator (CDP `WebAuthn`): a platform
 * authenticator that holds discoverable credentials and verifies the user. Pages are served by
 * Tessera at http://localhost:PORT, its default public URL, so the relying party is `localhost`.
 */
describe.skipIf(chromiumMissing)('passkeys in Chromium', { timeout: 90_000 }, () => {
  let servers: DemoServers;
  let e2e: E2EBrowser;
  /** Tessera as browsers reach it (its public URL). */
  let origin: string;

  beforeAll(async () => {
    // Without mail, hosted accounts sign in by password at once (hosted-signup.test.ts: with mail, a code first).
    [servers, e2e] = await Promise.all([startDemoServers({ withoutMail: true }), launchBrowser()]);
    origin = servers.url.replace('127.0.0.1', 'localhost');
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await servers?.stop();
  });

  const pageUrl = (name: string, storage: 'local' | 'cookie') =>
    servers
      .page(
        name,
        `<!doctype html><title>${name}</title><script src="/widget.js"></script>
<script>Tessera.mount({ publishableKey: ${JSON.stringify(servers.demo.publishableKey)}, hostedAccounts: true, passkeys: true, tokenStorage: '${storage}', open: true });</script>`,
      )
      .replace(servers.url, origin);

  /** A hosted account, made elsewhere before this visit. */
  async function createAccount(email: string, password: string, name: string): Promise<void> {
    const response = await fetch(`${origin}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'x-tessera-key': servers.demo.publishableKey },
      body: JSON.stringify({ email, password, name, tokenTransport: 'body' }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }

  /** This page's virtual authenticator: internal (a platform one), resident keys, user verification that succeeds. */
  async function authenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { cdp, authenticatorId };
  }

  const held = heldBy;
  const meStatus = (accessToken: string) => meStatusAt(origin, accessToken);

  async function signInWithPassword(widget: ReturnType<typeof chat>, email: string, password: string, name: string): Promise<void> {
    await widget.signIn.click();
    await widget.card.getByLabel('Email').fill(email);
    await widget.card.getByLabel('Password').fill(password);
    await widget.card.getByRole('button', { name: 'Sign in', exact: true }).click();
    await widget.root
      .locator('.system', { hasText: `Signed in as ${name}` })
      .last()
      .waitFor();
  }

  /** "Add a passkey" where the widget offers it after a sign-in; resolves once Tessera has it. */
  async function addPasskey(widget: ReturnType<typeof chat>): Promise<void> {
    const offer = widget.root.locator('.passkey-offer');
    await offer.getByRole('button', { name: 'Add a passkey' }).click();
    await offer.getByText('Passkey added.').waitFor();
  }

  it('Ada signs in with her password and adds a passkey; in another browser holding it, a new anonymous chat signs in with "Use a passkey", its conversation kept', async (test) => {
    await createAccount('ada.passkey@example.com', 'analytical-engine-1843', 'Ada Passkey');

    // Her laptop: password, then the offer to add a passkey.
    const laptop = await (await visitor(e2e, test)).newPage();
    const laptopKey = await authenticator(laptop);
    await laptop.goto(pageUrl('passkeys-laptop', 'local'));
    const first = chat(laptop);
    await first.waitOnline();
    await signInWithPassword(first, 'ada.passkey@example.com', 'analytical-engine-1843', 'Ada Passkey');
    await addPasskey(first);
    const { credentials } = await laptopKey.cdp.send('WebAuthn.getCredentials', { authenticatorId: laptopKey.authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    const listed = await laptop.evaluate(() => (window as any).Tessera.widget.client.listPasskeys());
    expect(listed).toEqual([expect.objectContaining({ name: 'Passkey', id: expect.stringMatching(/^pkey_/) })]);

    // Another browser (a synced passkey): a new anonymous chat, then "Use a passkey".
    const phone = await (await visitor(e2e, test)).newPage();
    const phoneKey = await authenticator(phone);
    await phoneKey.cdp.send('WebAuthn.addCredential', { authenticatorId: phoneKey.authenticatorId, credential: credentials[0]! });
    const frames: any[] = [];
    phone.on('websocket', (socket) => socket.on('framesent', ({ payload }) => frames.push(JSON.parse(String(payload)))));
    await phone.goto(pageUrl('passkeys-phone', 'local'));
    const second = chat(phone);
    await second.waitOnline();
    expect(await second.ask('hello before my passkey', /Got it/)).toMatch(/hello before my passkey/);
    const anonymous = await held(phone);
    expect(anonymous.auth).toBe('anonymous');

    await second.signIn.click();
    await second.card.getByRole('button', { name: 'Use a passkey' }).click();
    await second.root.locator('.system', { hasText: 'Signed in as Ada Passkey' }).waitFor();
    await second.status.filter({ hasText: 'Signed in as Ada Passkey' }).waitFor();
    await second.keepThisConversation(); // her laptop's conversation is offered, not switched to
    expect(await second.text()).toMatch(/hello before my passkey[\s\S]*Got it[\s\S]*Signed in as Ada Passkey/);
    expect(await second.ask('who am I', /You are/)).toMatch(/^You are Ada Passkey/);

    const signedIn = await held(phone);
    expect(signedIn).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' }); // the same session, linked
    expect(frames.filter((frame) => frame.type === 'authenticate')).toEqual([
      expect.objectContaining({
        method: 'passkey',
        response: expect.objectContaining({ id: Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url') }),
      }),
    ]);
    expect(await meStatus(anonymous.accessToken)).toBe(401); // the anonymous token is dead
    expect(await meStatus(signedIn.accessToken)).toBe(200);
    // Signed in with a passkey, she has one: nothing more to offer.
    await expect(second.root.locator('.passkey-offer').count()).resolves.toBe(0);
  });

  it('one browser, cookie mode: sign in, add a passkey, sign out, chat anonymously, then "Use a passkey" signs the new chat in over HTTP', async (test) => {
    await createAccount('grace.passkey@example.com', 'compiler-a0-1952', 'Grace Passkey');
    const page = await (await visitor(e2e, test)).newPage();
    await authenticator(page);
    await page.goto(pageUrl('passkeys-cookie', 'cookie'));
    const widget = chat(page);
    await widget.waitOnline();
    await signInWithPassword(widget, 'grace.passkey@example.com', 'compiler-a0-1952', 'Grace Passkey');
    await addPasskey(widget);

    await widget.signOut.click();
    await widget.root.locator('.system', { hasText: 'You signed out.' }).waitFor();
    await widget.waitOnline();
    expect(await widget.ask('a new chat, before the passkey', /Got it/)).toMatch(/before the passkey/);
    const anonymous = await held(page);
    expect(anonymous.auth).toBe('anonymous');

    const links: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/auth/link')) links.push(JSON.parse(request.postData() ?? '{}').method);
    });
    await widget.signIn.click();
    await widget.card.getByRole('button', { name: 'Use a passkey' }).click();
    await widget.root.locator('.system', { hasText: 'Signed in as Grace Passkey' }).last().waitFor();
    await widget.keepThisConversation();
    expect(links).toEqual(['passkey']);
    expect(await held(page)).toMatchObject({ sessionId: anonymous.sessionId, auth: 'user' });
    expect(await widget.text()).toMatch(/a new chat, before the passkey[\s\S]*Signed in as Grace Passkey/);
    expect(await meStatus(anonymous.accessToken)).toBe(401);
  });
});
