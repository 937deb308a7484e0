import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, runCliJson } from '../support/cli.js';

describe('tessera partners / keys / audit (CLI parity)', () => {
  let dataDir: string;
  const data = () => ['--data', dataDir];
  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    await runCliJson(['init', ...data(), '--json']);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('adds a partner with a generated secret (shown once), lists and removes it', async () => {
    const added = await runCliJson([
      'partners',
      'add',
      '--name',
      'Blog',
      '--origin',
      'https://blog.example',
      '--origin',
      'https://www.blog.example',
      ...data(),
      '--json',
    ]);
    expect(added.id).toMatch(/^ptn_/);
    expect(added.allowedOrigins).toEqual(['https://blog.example', 'https://www.blog.example']);
    expect(added.secret).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(added.audience).toMatch(/^ten_/);
    const listed = await runCliJson(['partners', 'list', ...data(), '--json']);
    expect(listed).toEqual([expect.objectContaining({ id: added.id, verification: { secret: '[set]' }, trustedToAssertUsers: false })]);
    expect(JSON.stringify(listed)).not.toContain(added.secret);
    await runCliJson(['partners', 'remove', added.id, ...data(), '--json']);
    expect(await runCliJson(['partners', 'list', ...data(), '--json'])).toEqual([]);
  });

  it('adds a trusted partner with a public key file; refuses bad input', async () => {
    const pemFile = join(dataDir, 'partner.pem');
    writeFileSync(pemFile, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const added = await runCliJson([
      'partners',
      'add',
      '--name',
      'Shop',
      '--origin',
      'https://shop.example',
      '--public-key-file',
      pemFile,
      '--trusted',
      ...data(),
      '--json',
    ]);
    expect(added).toMatchObject({ trustedToAssertUsers: true, verification: { publicKeyPem: expect.stringContaining('PUBLIC KEY') } });
    expect(added.secret).toBeUndefined();
    const bad = await runCli(['partners', 'add', '--name', 'Bad', '--origin', 'https://bad.example/path', ...data()]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('not an origin');
    const weak = await runCli(['partners', 'add', '--name', 'Weak', '--origin', 'https://weak.example', '--secret', 'short', ...data()]);
    expect(weak.code).not.toBe(0);
  });

  it('creates keys with an IP allowlist, an expiry and a rate limit; the audit log shows the CLI as actor', async () => {
    const key = await runCliJson([
      'keys',
      'create',
      '--name',
      'ci',
      '--scope',
      'tokens:write',
      '--ip',
      '10.0.0.0/8',
      '--ip',
      '192.0.2.7',
      '--expires',
      '30d',
      '--rate-limit',
      '100',
      ...data(),
      '--json',
    ]);
    expect(key).toMatchObject({ scopes: ['tokens:write'], allowedIps: ['10.0.0.0/8', '192.0.2.7'], rateLimitPerMinute: 100 });
    expect(key.expiresAt).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(key.key).toMatch(/^sk_/);
    const bad = await runCli(['keys', 'create', '--name', 'bad', '--ip', '10.0.0.0/99', ...data()]);
    expect(bad.code).not.toBe(0);
    const audit = await runCliJson(['audit', ...data(), '--json']);
    expect(audit.entries[0]).toMatchObject({ actor: 'cli', action: 'key.created', target: key.id });
    expect(audit.entries.map((e: any) => e.action)).toEqual(expect.arrayContaining(['partner.added', 'partner.removed']));
    expect(JSON.stringify(audit)).not.toContain(key.key);
  });
});
