import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type TesseraApp } from '../../../../server/src/app.js';
import { initialise } from '../../../../server/src/tenancy/bootstrap.js';
import { DemoAgent } from '../../../../server/src/agents/demo-agent.js';
import type { Agent } from '../../../../server/src/agents/agent.js';
import { unavailableMailer } from '../../../../server/src/mail/unavailable-mailer.js';
import { prepareDemo, startPartnerSite, type DemoSetup, type PartnerSite } from '../../../../server/src/demo/index.js';

/** A word every this long for messages with "(slow)": the stop button has time to be pressed. */
export const SLOW_WORD_MS = 150;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export interface DemoServers {
  app: TesseraApp;
  /** Tessera and the demo shop, same origin: http://127.0.0.1:PORT */
  url: string;
  tenantId: string;
  secretKey: string;
  demo: DemoSetup;
  /** The partner page, registered for http://127.0.0.1:PARTNER_PORT only. */
  partner: PartnerSite;
  /** The same partner page from an origin the partner did not register. */
  foreignPartnerUrl: string;
  /**
   * Serves `html` on Tessera's own origin at `/e2e/NAME` and returns its URL: a customer
   * page of the tenant. (Pages Playwright fulfils itself count as public address space
   * for Chromium's local-network checks, which then block the socket to 127.0.0.1.)
   */
  page(name: string, html: string): string;
  /**
   * Messages containing "(hold)" wait for the test: how many are waiting, and let them through.
   * "(slow)" streams the demo agent's reply a word every SLOW_WORD_MS (a turn run again after
   * sign-in too); "(fail)" streams a little, then the agent fails (AGENT_UNAVAILABLE).
   */
  held(): number;
  release(): void;
  /** Messages containing `marker` get `reply` as the agent's whole answer (e.g. Markdown to render). */
  script(marker: string, reply: string): void;
  stop(): Promise<void>;
}

export interface DemoServersOptions {
  /** Mail goes out over this SMTP server (e.g. startSmtpTestServer's) instead of the demo mailbox. */
  smtpUrl?: string;
  /**
   * No mail at all (no SMTP, no demo mailbox), as on a server without TESSERA_SMTP_URL: sign-up
   * from a chat signs it in at once (201), and a password signs in on an address never proven.
   */
  withoutMail?: boolean;
}

/**
 * A real Tessera in this process (buildApp, demo on, port 0, SQLite in a temp dir)
 * and the partner demo site on another port.
 */
export async function startDemoServers(options: DemoServersOptions = {}): Promise<DemoServers> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const gates: Array<() => void> = [];
  const demoAgent = new DemoAgent();
  const scripts = new Map<string, string>();
  const agent: Agent = {
    async *reply(turn, signal) {
      const { content } = turn.message;
      const scripted = [...scripts].find(([marker]) => content.includes(marker));
      if (scripted) {
        yield { type: 'delta', content: scripted[1] };
        return;
      }
      if (content.includes('(hold)')) await new Promise<void>((resolve) => gates.push(resolve));
      if (content.includes('(fail)')) {
        yield { type: 'delta', content: 'Half an answer ' };
        yield { type: 'error', code: 'AGENT_UNAVAILABLE', message: 'the agent failed' };
        return;
      }
      for await (const event of demoAgent.reply(turn, signal)) {
        if (content.includes('(slow)') && event.type === 'delta') await pause(SLOW_WORD_MS, signal);
        if (signal.aborted) return;
        yield event;
      }
    },
  };
  const app = await buildApp(
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      cleanupIntervalMs: 0,
      demo: true,
      ...(options.smtpUrl && { smtpUrl: options.smtpUrl }),
    },
    { agent, demo: { partnerUrl: () => partnerUrl }, ...(options.withoutMail && { mailer: unavailableMailer }) },
  );
  let partnerUrl: string | null = null;
  const pages = new Map<string, string>();
  app.http.get('/e2e/:name', { schema: { hide: true } }, async (request, reply) => {
    const html = pages.get((request.params as { name: string }).name);
    return html === undefined ? reply.status(404).send('no such page') : reply.type('text/html; charset=utf-8').send(html);
  });
  const address = await app.http.listen({ port: 0, host: '127.0.0.1' });
  const port = new URL(address).port;
  const url = `http://127.0.0.1:${port}`;
  const init = await initialise(app.services, [url, `http://localhost:${port}`]);
  // The demo OpenID provider (`demo`) is registered at Tessera's default public URL, http://localhost:PORT/demo/oidc.
  const demo = (await prepareDemo(app.services, `http://localhost:${port}`))!;
  const partner = await startPartnerSite({
    services: app.services,
    tesseraUrl: url,
    host: '127.0.0.1',
    port: 0,
    origins: (p) => [`http://127.0.0.1:${p}`],
  });
  partnerUrl = partner.url;
  return {
    app,
    url,
    tenantId: init.tenantId,
    secretKey: init.secretKey!,
    demo,
    partner,
    foreignPartnerUrl: partner.url.replace('127.0.0.1', 'localhost'),
    held: () => gates.length,
    script: (marker, reply) => {
      scripts.set(marker, reply);
    },
    release: () => {
      for (const open of gates.splice(0)) open();
    },
    page(name, html) {
      pages.set(name, html);
      return `${url}/e2e/${name}`;
    },
    async stop() {
      await partner.close().catch(() => undefined);
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The customer backend's view (secret key), e.g. a user's sessions. */
export async function backend(servers: DemoServers, path: string): Promise<any> {
  const response = await fetch(servers.url + path, { headers: { authorization: `Bearer ${servers.secretKey}` } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}
