import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, visitor, type E2EBrowser } from '../../../widget/test/e2e/support/browser.js';
import { checkEnvironment } from '../../../widget/test/e2e/support/guard.js';
import { assertBuilt, runCli, runCliJson, startCli, type RunningCli } from '../support/cli.js';

checkEnvironment();

const EXAMPLE = fileURLToPath(new URL('../../../../examples/customer-backend/server.mjs', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `node examples/customer-backend/server.mjs` with the README's variables; resolves once it listens. */
function startExample(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [EXAMPLE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the example did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('customer backend on')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

/**
 * examples/customer-backend/README.md followed on a data directory that already existed
 * (the case of the issue: `init --origin` changes nothing there, so the page was refused).
 */
describe.skipIf(chromiumMissing)('the customer backend README, on an existing data directory', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-readme-'));
  let tessera: RunningCli;
  let example: ChildProcess;
  let e2e: E2EBrowser;
  let pageOrigin: string;

  beforeAll(async () => {
    assertBuilt();
    // The directory exists already, e.g. from an earlier `npm start`.
    await runCliJson(['init', '--data', dataDir, '--json']);
    const port = await freePort();
    pageOrigin = `http://localhost:${port}`;
    // The README's lines: init (changes nothing here), a key for this backend, origins add, start.
    const again = await runCli(['init', '--data', dataDir, '--origin', pageOrigin, '--json']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/sk_/);
    const key = await runCliJson(['keys', 'create', '--name', 'customer-backend', '--data', dataDir, '--json']);
    const secretKey: string = key.key;
    expect(secretKey).toMatch(/^sk_/);
    tessera = await startCli(dataDir);
    [example, e2e] = await Promise.all([
      startExample({ TESSERA_SECRET_KEY: secretKey, TESSERA_URL: tessera.url, PORT: String(port) }),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    example?.kill('SIGTERM');
    await tessera?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Before `origins add`: what someone following the README without that line sees.
  it('without `origins add`, the server logs the refused origin and how to allow it', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${pageOrigin}/`);
    await expect.poll(() => tessera.output(), { timeout: 10_000 }).toContain(`tessera origins add ${pageOrigin}`);
  });

  it('without `origins add`, the page says ORIGIN_NOT_ALLOWED instead of reconnecting for ever', async (test) => {
    const page = await (await visitor(e2e, test)).newPage();
    await page.goto(`${pageOrigin}/`);
    await page.locator('#log', { hasText: 'ORIGIN_NOT_ALLOWED' }).waitFor();
  });

  it('after `tessera origins add` (no restart), the page chats as user-123', async (test) => {
    const added = await runCli(['origins', 'add', pageOrigin, '--data', dataDir]);
    expect(added.code, added.stderr + added.stdout).toBe(0);
    const page = await (await visitor(e2e, test)).newPage();
    await expect
      .poll(
        async () => {
          await page.goto(`${pageOrigin}/`);
          return page
            .locator('#status', { hasText: /^connected/ })
            .textContent({ timeout: 3_000 })
            .catch(() => '');
        },
        { timeout: 20_000, intervals: [1_000] },
      )
      .toMatch(/^connected as user-123 \(role: admin\)/);
    await page.locator('#text').fill('who am i');
    await page.locator('#text').press('Enter');
    await page.locator('#log .assistant', { hasText: 'user-123' }).waitFor();
  });
});
