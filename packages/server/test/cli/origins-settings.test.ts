import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type RunningCli, runCli, runCliJson, startCli } from '../support/cli.js';
import { api, connect, connectAnonymous, eventually, ORIGIN, type TestServer } from '../support/test-server.js';

const NEW_ORIGIN = 'http://localhost:5173';
/** What `tessera start` has to see a change the CLI made in the store (the tenant cache's lifetime) and some slack. */
const SEEN_WITHIN_MS = 9_000;
/** Each case spawns a dozen CLI processes: slow on a loaded 2-core machine. */
const SLOW_MS = 240_000;

describe('tessera origins and settings, next to a running `tessera start`', () => {
  let dataDir: string;
  let keys: { tenantId: string; secretKey: string; publishableKey: string };
  let running: RunningCli;
  let server: TestServer;
  const data = () => ['--data', dataDir];
  const refusedLines = (origin: string) =>
    running
      .output()
      .split('\n')
      .filter((line) => line.includes(`refused origin ${origin}:`));
  /** The upgrade's refusal status, or null when the socket opened. */
  const socketStatus = async (origin: string): Promise<number | null> => {
    const socket = connect(server, { key: keys.publishableKey, origin });
    try {
      await socket.opened;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === undefined) throw error;
      return status;
    }
    socket.ws.terminate();
    return null;
  };
  const settingsOnServer = async () =>
    (await api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${keys.secretKey}` }, origin: null })).body;

  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-origins-'));
    keys = await runCliJson(['init', ...data(), '--origin', ORIGIN, '--json']);
    running = await startCli(dataDir);
    server = { url: running.url, wsUrl: `${running.url.replace(/^http/, 'ws')}/v1/ws`, ...keys } as unknown as TestServer;
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'a page on a new origin is refused and logged once (not per retry); `origins add` lets it in, `origins remove` out again',
    async () => {
      for (let attempt = 0; attempt < 5; attempt++) expect(await socketStatus(NEW_ORIGIN)).toBe(403);
      const refusal = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { origin: NEW_ORIGIN, 'x-tessera-key': keys.publishableKey, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refusal.status).toBe(403);
      await eventually(() => refusedLines(NEW_ORIGIN).length > 0);
      const [line, ...more] = refusedLines(NEW_ORIGIN).map((text) => JSON.parse(text));
      expect(more).toEqual([]);
      expect(line).toMatchObject({ level: 40, code: 'ORIGIN_NOT_ALLOWED', origin: NEW_ORIGIN });
      expect(line.msg).toContain(`tessera origins add ${NEW_ORIGIN}`);
      expect(running.output()).not.toContain(keys.publishableKey);

      const added = await runCli(['origins', 'add', `${NEW_ORIGIN}/`, ...data()]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toBe(`${ORIGIN}\n${NEW_ORIGIN}\n`);
      expect(added.stderr).toMatch(/^added http:\/\/localhost:5173 \(tenant ten_\w+\)\. A running server sees the change within 5 s/);
      // the running server lets the page in, without a restart
      await eventually(async () => (await socketStatus(NEW_ORIGIN)) === null, SEEN_WITHIN_MS);
      const { socket, session } = await connectAnonymous(server, { origin: NEW_ORIGIN });
      expect(session.accessToken).toEqual(expect.any(String));
      socket.close();
      expect((await settingsOnServer()).allowedOrigins).toEqual([ORIGIN, NEW_ORIGIN]);

      const removed = await runCli(['origins', 'remove', NEW_ORIGIN, ...data()]);
      expect(removed.code, removed.stderr).toBe(0);
      await eventually(async () => (await socketStatus(NEW_ORIGIN)) === 403, SEEN_WITHIN_MS);
      expect(await socketStatus(ORIGIN)).toBeNull();
    },
    SLOW_MS,
  );

  it(
    '`partners add` next to a running server: its origin passes CORS without a restart',
    async () => {
      const partnerOrigin = 'https://partner.example';
      const preflight = async () =>
        (
          await fetch(`${server.url}/v1/sessions`, {
            method: 'OPTIONS',
            headers: { origin: partnerOrigin, 'access-control-request-method': 'POST' },
          })
        ).headers.get('access-control-allow-credentials');
      expect(await preflight()).toBeNull();
      const added = await runCli(['partners', 'add', '--name', 'Partner', '--origin', partnerOrigin, ...data()]);
      expect(added.code, added.stderr).toBe(0);
      await eventually(async () => (await preflight()) === 'true', SEEN_WITHIN_MS);
    },
    SLOW_MS,
  );

  it(
    'origins: normalised, idempotent, refuses what is not an origin, and a remove of a missing one exits 1',
    async () => {
      const added = await runCli(['origins', 'add', 'HTTPS://Shop.Example:443', 'https://shop.example/', ...data(), '--json']);
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toEqual([ORIGIN, 'https://shop.example']);
      const again = await runCli(['origins', 'add', 'https://shop.example', ...data()]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('https://shop.example: already allowed; nothing changed');
      const bad = [
        ['*', 'wildcards are not allowed'],
        ['https://*.shop.example', 'wildcards are not allowed'],
        ['localhost:3001', 'only http and https (did you mean http://localhost:3001?)'],
        ['ftp://files.example', 'only http and https'],
        ['https://shop.example/chat', 'no path, query or user (did you mean https://shop.example?)'],
        ['shop', 'is not an origin: give scheme://host[:port]'],
      ];
      const refusals = await Promise.all(bad.map(([origin]) => runCli(['origins', 'add', origin, ...data()])));
      refusals.forEach((refused, i) => {
        expect(refused.code, bad[i][0]).toBe(1);
        expect(refused.stderr, bad[i][0]).toContain(bad[i][1]);
      });
      const missing = await runCli(['origins', 'remove', 'https://nowhere.example', ...data()]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(
        /^https:\/\/nowhere\.example: not an allowed origin of tenant ten_\w+ \(allowed: http:\/\/localhost:3000, https:\/\/shop\.example\); nothing changed/,
      );
      const [list, named, unknown] = await Promise.all([
        runCli(['origins', 'list', ...data()]),
        runCli(['origins', 'list', ...data(), '--tenant', keys.tenantId]),
        runCli(['origins', 'list', ...data(), '--tenant', 'ten_nosuchtenant']),
      ]);
      expect(list.stdout).toBe(`${ORIGIN}\nhttps://shop.example\n`);
      expect(named.stdout).toBe(list.stdout);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no tenant ten_nosuchtenant in');
      const audit = await runCliJson(['audit', ...data(), '--json']);
      expect(audit.entries.filter((entry: any) => entry.action === 'settings.changed')).toEqual(
        expect.arrayContaining([expect.objectContaining({ actor: 'cli', details: { fields: ['allowedOrigins'] } })]),
      );
    },
    SLOW_MS,
  );

  it(
    'settings get prints JSON (secrets never); set validates, saves, prints, and the running server uses it',
    async () => {
      const all = await runCli(['settings', 'get', ...data()]);
      expect(all.code).toBe(0);
      expect(JSON.parse(all.stdout)).toMatchObject({ tenantId: keys.tenantId, limits: { messagesPerMinute: 20 } });
      expect(JSON.parse((await runCli(['settings', 'get', 'limits.messagesPerMinute', ...data()])).stdout)).toBe(20);

      const set = await runCli(['settings', 'set', 'limits.messagesPerMinute', '40', ...data()]);
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toBe(40);
      await eventually(async () => (await settingsOnServer()).limits.messagesPerMinute === 40, SEEN_WITHIN_MS);
      expect((await settingsOnServer()).limits).toMatchObject({ messagesPerMinutePerAddress: 120 }); // the rest kept

      const [invalid, misspelt, notJson] = await Promise.all([
        runCli(['settings', 'set', 'limits.messagesPerMinute', 'many', ...data()]),
        runCli(['settings', 'set', 'limits.messagesPerMinnute', '5', ...data()]),
        runCli(['settings', 'set', 'allowedOrigins', '["http://a.example"', ...data()]),
      ]);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('expected number');
      expect(misspelt.code).toBe(1);
      expect(misspelt.stderr).toContain('Unrecognized key');
      expect(notJson.code).toBe(1);
      expect(notJson.stderr).toContain('is not valid JSON');
      expect(JSON.parse((await runCli(['settings', 'get', 'limits.messagesPerMinute', ...data()])).stdout)).toBe(40);

      const secret = 'a-shared-secret-of-at-least-32-characters!!';
      const identity = await runCli(['settings', 'set', 'identity', JSON.stringify({ verification: { secret } }), ...data()]);
      expect(identity.code, identity.stderr).toBe(0);
      const issuer = await runCli(['settings', 'set', 'identity.issuer', 'https://app.example', ...data()]);
      expect(issuer.code, issuer.stderr).toBe(0);
      const shown = await runCli(['settings', 'get', 'identity', ...data()]);
      expect(JSON.parse(shown.stdout)).toEqual({ verification: { secret: '[set]' }, issuer: 'https://app.example', userIdClaim: 'sub' });
      for (const output of [identity, issuer, shown, await runCli(['settings', 'get', ...data()])]) {
        expect(output.stdout + output.stderr).not.toContain(secret);
      }

      const agent = await runCliJson(['settings', 'set', 'agent.url', 'https://agent.example/turn', ...data(), '--json']);
      expect(agent).toEqual({ path: 'agent.url', value: 'https://agent.example/turn', signingSecret: expect.stringMatching(/^whsec_/) });
      const again = await runCliJson(['settings', 'set', 'agent.url', 'https://agent.example/v2', ...data(), '--json']);
      expect(again).toEqual({ path: 'agent.url', value: 'https://agent.example/v2' }); // shown once
      const missing = await runCli(['settings', 'get', 'limits.nothing', ...data()]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no setting at limits.nothing');
    },
    SLOW_MS,
  );
});
