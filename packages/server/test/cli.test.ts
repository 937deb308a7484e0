import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, runCliJson, startCli, startCliWith } from './support/cli.js';
import { inspectDatabase } from './support/database.js';
import { api, chat, connect, connectAnonymous, ManualClock, ORIGIN, startTestServer, type TestServer } from './support/test-server.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  dirs.push(dir);
  return dir;
};

/** A server started by the CLI, seen through the same helpers as an in-process one. */
const remote = (url: string, keys: { tenantId: string; secretKey: string; publishableKey: string }) =>
  ({ url, wsUrl: `${url.replace(/^http/, 'ws')}/v1/ws`, ...keys }) as unknown as TestServer;

/** What `init` must leave alone: the key files byte for byte and every row of the tables it writes. */
function snapshot(dataDir: string) {
  const keyFiles = Object.fromEntries(
    readdirSync(join(dataDir, 'keys')).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(dataDir, 'keys', name)))
        .digest('hex'),
    ]),
  );
  const db = inspectDatabase(dataDir);
  try {
    return { keyFiles, tenants: db.rows('select * from tenants order by id'), apiKeys: db.rows('select * from api_keys order by id') };
  } finally {
    db.close();
  }
}

beforeAll(() => assertBuilt());
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('tessera init', () => {
  it('creates the tenant, signing key and keys once, and a second run changes nothing', async () => {
    const dataDir = tempDir();
    const first = await runCliJson(['init', '--data', dataDir, '--origin', ORIGIN, '--origin', 'https://shop.example', '--json']);
    expect(first).toMatchObject({ created: true, tenantId: expect.stringMatching(/^ten_/) });
    expect(first.secretKey).toMatch(/^sk_[A-Za-z0-9]{20}_[A-Za-z0-9]{32,}$/);
    expect(first.publishableKey).toMatch(/^pk_[A-Za-z0-9]{20}_[A-Za-z0-9]{32,}$/);
    expect(readdirSync(join(dataDir, 'keys'))).toContain('signing-keys.json');

    const before = snapshot(dataDir);
    expect(before.tenants).toHaveLength(1);
    expect(before.apiKeys).toHaveLength(2);
    // only hashes are stored
    const stored = JSON.stringify(before.apiKeys);
    expect(stored).not.toContain(first.secretKey.split('_')[2]);
    expect(stored).not.toContain(first.publishableKey.split('_')[2]);

    const second = await runCli(['init', '--data', dataDir, '--origin', 'http://evil.com', '--json']);
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout);
    expect(again).toEqual({ created: false, tenantId: first.tenantId });
    expect(second.stdout).not.toMatch(/sk_|pk_/);
    expect(snapshot(dataDir)).toEqual(before);

    // and the keys it printed work, with the origins it was given
    const server = await startTestServer({ dataDir, keys: first });
    try {
      const settings = await api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${first.secretKey}` }, origin: null });
      expect(settings.body.allowedOrigins).toEqual([ORIGIN, 'https://shop.example']);
      const { socket } = await connectAnonymous(server, { origin: 'https://shop.example' });
      socket.close();
      expect(await connect(server, { key: first.publishableKey, origin: 'http://evil.com' }).refusedStatus()).toBe(403);
    } finally {
      await server.stop();
    }
  });

  it('prints the keys once in text form too', async () => {
    const dataDir = tempDir();
    const first = await runCli(['init', '--data', dataDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/admin secret key: sk_/);
    expect(first.stdout).toMatch(/publishable key: {2}pk_/);
    const second = await runCli(['init', '--data', dataDir]);
    expect(second.stdout).toMatch(/already initialised/);
    expect(second.stdout).not.toMatch(/sk_|pk_/);
  });
});

describe('tessera keys', () => {
  let dataDir: string;
  let init: { tenantId: string; secretKey: string; publishableKey: string };
  let server: TestServer;
  beforeAll(async () => {
    dataDir = tempDir();
    init = await runCliJson(['init', '--data', dataDir, '--origin', ORIGIN, '--json']);
    // a live server on the same SQLite file sees what the CLI does, at once
    server = await startTestServer({ dataDir, keys: init });
  });
  afterAll(() => server?.stop());

  const settingsWith = (key: string) => api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${key}` }, origin: null });

  it('create, list, rotate and revoke', async () => {
    const created = await runCliJson(['keys', 'create', '--data', dataDir, '--name', 'ci', '--scope', 'admin', '--json']);
    expect(created).toMatchObject({ name: 'ci', kind: 'secret', scopes: ['admin'], key: expect.stringMatching(/^sk_/) });
    expect((await settingsWith(created.key)).status).toBe(200);

    const limited = await runCliJson(['keys', 'create', '--data', dataDir, '--name', 'minter', '--scope', 'tokens:write', '--json']);
    expect((await settingsWith(limited.key)).status).toBe(403);

    const publishable = await runCliJson(['keys', 'create', '--data', dataDir, '--name', 'site', '--kind', 'publishable', '--json']);
    expect(publishable.key).toMatch(/^pk_/);
    expect((await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': publishable.key }, body: {} })).status).toBe(201);

    const list = await runCli(['keys', 'list', '--data', dataDir, '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.map((key: any) => key.name).sort()).toEqual(['admin', 'browser', 'ci', 'minter', 'site']);
    for (const secret of [init.secretKey, created.key, limited.key, publishable.key])
      expect(list.stdout).not.toContain(secret.split('_')[2]);

    const rotated = await runCliJson(['keys', 'rotate', created.id, '--data', dataDir, '--grace', '3600', '--json']);
    expect(rotated.key).toMatch(/^sk_/);
    expect(rotated.id).not.toBe(created.id);
    expect((await settingsWith(created.key)).status).toBe(200); // grace
    expect((await settingsWith(rotated.key)).status).toBe(200);
    const afterRotation = JSON.parse((await runCli(['keys', 'list', '--data', dataDir, '--json'])).stdout);
    expect(afterRotation.find((key: any) => key.id === created.id).replacedBy).toBe(rotated.id);

    const revoked = await runCli(['keys', 'revoke', rotated.id, '--data', dataDir]);
    expect(revoked.code).toBe(0);
    const refused = await settingsWith(rotated.key);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('INVALID_API_KEY');
    const afterRevoke = JSON.parse((await runCli(['keys', 'list', '--data', dataDir, '--json'])).stdout);
    expect(afterRevoke.find((key: any) => key.id === rotated.id).revokedAt).toEqual(expect.any(Number));

    const rotateNow = await runCliJson(['keys', 'rotate', limited.id, '--data', dataDir, '--json']);
    expect((await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': publishable.key }, body: {} })).status).toBe(201);
    const limitedGone = await api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${limited.key}` }, origin: null });
    expect(limitedGone.body.error.code).toBe('INVALID_API_KEY');
    expect(rotateNow.scopes).toEqual(['tokens:write']);
  }, 60_000); // a dozen CLI processes, each opening the store: slow on a loaded 2-core machine

  it('least privilege: no --scope gives tokens:write only; a mistyped --kind is refused, never taken for a secret key', async () => {
    const unscoped = await runCliJson(['keys', 'create', '--data', dataDir, '--name', 'unscoped', '--json']);
    expect(unscoped).toMatchObject({ kind: 'secret', scopes: ['tokens:write'] });
    expect((await settingsWith(unscoped.key)).status).toBe(403);
    const names = async () => JSON.parse((await runCli(['keys', 'list', '--data', dataDir, '--json'])).stdout).map((k: any) => k.name);
    for (const kind of ['publishabel', 'Secret']) {
      const badKind = await runCli(['keys', 'create', '--data', dataDir, '--name', 'typo', '--kind', kind, '--json']);
      expect(badKind.code, badKind.stdout).toBe(1);
      expect(badKind.stderr).toMatch(/unknown --kind .*: give secret or publishable/);
      expect(badKind.stdout).not.toMatch(/sk_|pk_/);
    }
    const scoped = await runCli(['keys', 'create', '--data', dataDir, '--name', 'typo', '--kind', 'publishable', '--scope', 'admin']);
    expect(scoped.code).toBe(1);
    expect(scoped.stderr).toMatch(/publishable keys have no scopes/);
    expect(await names()).not.toContain('typo');
  }, 60_000);

  it('fails cleanly: unknown key, missing name, unknown scope, uninitialised directory, unknown command', async () => {
    const unknownKey = await runCli(['keys', 'revoke', 'key_doesnotexist000000', '--data', dataDir]);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toMatch(/no such key/);
    expect((await runCli(['keys', 'create', '--data', dataDir])).code).toBe(1);
    const badScope = await runCli(['keys', 'create', '--data', dataDir, '--name', 'x', '--scope', 'root']);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toMatch(/unknown --scope root: give one of tokens:write, .*admin/);
    const empty = await runCli(['keys', 'list', '--data', tempDir()]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/not initialised/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown command frobnicate\n\ntessera <command> \[options\]\n/);
  });
});

describe('tessera cleanup', () => {
  it('deletes expired sessions (by the wall clock) and keeps live ones', async () => {
    const dataDir = tempDir();
    const init = await runCliJson(['init', '--data', dataDir, '--origin', ORIGIN, '--json']);
    // sessions made two days ago are expired now
    const past = new ManualClock(Date.now() - 2 * 24 * 3600 * 1000);
    const old = await startTestServer({ dataDir, keys: init, config: { clock: past } });
    const { socket: oldSocket, session: expired } = await connectAnonymous(old);
    await chat(oldSocket, 'old', 'from two days ago');
    oldSocket.close();
    await old.stop();
    const current = await startTestServer({ dataDir, keys: init });
    const { socket, session: live } = await connectAnonymous(current);
    await chat(socket, 'new', 'from now');
    socket.close();

    const report = await runCliJson(['cleanup', '--data', dataDir]);
    expect(report).toEqual({ sessions: 1, refreshTokens: 1, conversations: 1, messages: 2 });
    const db = inspectDatabase(dataDir);
    try {
      expect(db.count('sessions', 'id = ?', expired.session.id)).toBe(0);
      expect(db.count('messages', 'session_id = ?', expired.session.id)).toBe(0);
      expect(db.count('sessions', 'id = ?', live.session.id)).toBe(1);
      expect(db.count('messages', 'session_id = ?', live.session.id)).toBe(2);
    } finally {
      db.close();
      await current.stop();
    }
    expect(await runCliJson(['cleanup', '--data', dataDir])).toEqual({ sessions: 0, refreshTokens: 0, conversations: 0, messages: 0 });
  }, 60_000);
});

describe('tessera start', () => {
  it('serves HTTP and WebSocket on one port, initialises with --init, and shuts down on SIGTERM with 1012', async () => {
    const dataDir = tempDir();
    const running = await startCli(dataDir, {}, ['--init', '--origin', ORIGIN]);
    let stopped = false;
    try {
      const secretKey = /admin secret key: (sk_\S+)/.exec(running.output())?.[1];
      const publishableKey = /publishable key: +(pk_\S+)/.exec(running.output())?.[1];
      expect(secretKey).toBeDefined();
      expect(publishableKey).toBeDefined();
      const server = remote(running.url, { tenantId: '', secretKey: secretKey!, publishableKey: publishableKey! });
      expect((await api(server, 'GET', '/healthz')).body).toEqual({ ok: true });
      expect((await api(server, 'GET', '/readyz')).status).toBe(200);
      const { socket } = await connectAnonymous(server);
      await chat(socket, 'hi', 'hello from the CLI test');

      expect(await running.stop()).toBe(0);
      stopped = true;
      expect(await socket.closed).toEqual({ code: 1012, reason: 'UNAVAILABLE' });
    } finally {
      if (!stopped) await running.stop();
    }
    // a second start with --init keeps the data directory as it is
    const again = await startCli(dataDir, {}, ['--init']);
    expect(again.output()).not.toMatch(/sk_|pk_/);
    // ...and the usage the first node counted in memory was written before it exited
    const secretKey = /admin secret key: (sk_\S+)/.exec(running.output())?.[1] ?? '';
    const month = new Date().toISOString().slice(0, 7);
    const usage = await api(remote(again.url, { tenantId: '', secretKey, publishableKey: '' }), 'GET', `/v1/usage?month=${month}`, {
      headers: { authorization: `Bearer ${secretKey}` },
      origin: null,
    });
    expect(usage.body).toEqual({ month, uniqueAnonymous: 1, uniqueUsers: 0, sessions: 1, messages: 2 });
    expect(await again.stop()).toBe(0);
  });

  it('refuses an uninitialised data directory without --init, creating nothing in it, and says what to run', async () => {
    const empty = tempDir();
    const missing = join(tempDir(), 'not-there');
    const touched = tempDir(); // a failed `keys list` opened its store: keys and a database, but no tenant
    expect((await runCli(['keys', 'list', '--data', touched])).code).toBe(1);
    for (const dataDir of [empty, missing, touched]) {
      const refused = await runCli(
        ['start', '--data', dataDir, '--port', '0', '--host', '127.0.0.1'],
        { TESSERA_DATABASE_URL: '' },
        10_000,
      );
      expect(refused.code, `${dataDir}: ${refused.stdout}${refused.stderr}`).toBe(1);
      expect(refused.stderr).toContain(`${dataDir} is not initialised: run \`tessera init --data ${dataDir}\` first, or start with --init`);
      expect(refused.stdout).not.toMatch(/listening/);
    }
    expect(readdirSync(empty)).toEqual([]);
    expect(existsSync(missing)).toBe(false);
  });

  it('serves the demo on 127.0.0.1 when no --host or TESSERA_HOST is given, and says so', async () => {
    const running = await startCliWith(['--data', tempDir(), '--port', '0', '--init', '--demo'], { TESSERA_HOST: '' });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(running.output()).toMatch(
        /Tessera listening on http:\/\/127\.0\.0\.1:\d+ \(the demo serves this machine only: --host or TESSERA_HOST/,
      );
      const port = new URL(running.url).port;
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && !address.internal && address.family === 'IPv4');
      if (external) await expect(fetch(`http://${external.address}:${port}/healthz`)).rejects.toThrow();
    } finally {
      await running.stop();
    }
  });

  it('serves /metrics only on --metrics-port, on 127.0.0.1 unless --metrics-host says otherwise', async () => {
    const running = await startCliWith(['--data', tempDir(), '--port', '0', '--host', '0.0.0.0', '--init', '--metrics-port', '0']);
    try {
      const metricsUrl = /metrics on (http:\/\/[^\s"]+)/.exec(running.output())?.[1];
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scraped = await fetch(metricsUrl!);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('tessera_ws_open_sockets');
      const port = new URL(running.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    } finally {
      await running.stop();
    }
  });
});
