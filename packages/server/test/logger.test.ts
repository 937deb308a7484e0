import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCliJson, startCli, type RunningCli } from './support/cli.js';
import { redactUrl } from '../src/logger.js';
import { api, chat, connect, ORIGIN, setCookie, TestSocket, type TestServer } from './support/test-server.js';

describe('redactUrl', () => {
  it.each([
    ['/v1/ws?token=abc.def.ghi', '/v1/ws?token=[redacted]'],
    ['/v1/ws?key=pk_x&token=t#frag', '/v1/ws?key=[redacted]&token=[redacted]#frag'],
    ['/v1/ws?%74oken=abc', '/v1/ws?%74oken=[redacted]'],
    ['/v1/ws?TOKEN=abc&x=1', '/v1/ws?TOKEN=[redacted]&x=1'],
    ['/v1/ws?refreshToken=rt_1&access_token=a', '/v1/ws?refreshToken=[redacted]&access_token=[redacted]'],
    ['/v1/ws?x=1&token', '/v1/ws?x=1&token=[redacted]'],
    ['/v1/ws?%E0%A4%A=1&token=a', '/v1/ws?%E0%A4%A=1&token=[redacted]'],
    ['/v1/conversations?limit=5&before=msg_1', '/v1/conversations?limit=5&before=msg_1'],
    ['/v1/auth/oauth/google/callback?code=c0de&state=s7ate&iss=x', '/v1/auth/oauth/google/callback?code=[redacted]&state=[redacted]&iss=x'],
    ['/healthz', '/healthz'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

/**
 * Runs the real `tessera start` at the most verbose log level, does everything that
 * carries a secret (handshakes with ?token=, bearer headers, refresh tokens in bodies
 * and cookies, API keys, failed attempts with near-miss secrets), then reads every
 * line the process wrote.
 */
describe('no secrets in logs', () => {
  let dataDir: string;
  let running: RunningCli;
  let output = '';
  let revokedSessionId = '';
  const secrets = new Map<string, string>();
  const keep = (name: string, value: string | undefined) => {
    if (!value) throw new Error(`no ${name}`);
    secrets.set(name, value);
    return value;
  };

  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-logs-'));
    const init = await runCliJson(['init', '--data', dataDir, '--origin', ORIGIN, '--json']);
    keep('admin secret key', init.secretKey);
    keep('publishable key', init.publishableKey);
    running = await startCli(dataDir, { TESSERA_LOG_LEVEL: 'trace' });
    const server = { url: running.url, wsUrl: `${running.url.replace('http', 'ws')}/v1/ws`, ...init } as unknown as TestServer;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const admin = { authorization: `Bearer ${init.secretKey}` };

    // HTTP: a session with tokens in the body, and one with the refresh token in a cookie
    const started = await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': init.publishableKey }, body: {} });
    const access = keep('access token', started.body.accessToken);
    const refresh = keep('refresh token', started.body.refreshToken);
    const cookieStart = await api(server, 'POST', '/v1/sessions', {
      headers: { 'x-tessera-key': init.publishableKey },
      body: { tokenTransport: 'cookie' },
    });
    const refreshCookie = keep('refresh cookie', setCookie(cookieStart.headers, 'tessera_rt')?.value);
    keep('access cookie', setCookie(cookieStart.headers, 'tessera_at')?.value);
    const cookieRefresh = await api(server, 'POST', '/v1/auth/refresh', {
      headers: { cookie: `tessera_rt=${refreshCookie}`, 'x-tessera-csrf': '1' },
    });
    keep('rotated refresh cookie', setCookie(cookieRefresh.headers, 'tessera_rt')?.value);

    await api(server, 'GET', '/v1/me', { headers: bearer(access) });
    await api(server, 'GET', `/v1/me?token=${access}`);
    await api(server, 'GET', `/v1/conversations?access_token=${access}&x=1`);
    await api(server, 'GET', `/nowhere?token=${access}&key=${init.publishableKey}`);
    await api(server, 'GET', `/v1/me?%74oken=${access}`);

    // the socket: ?token=, the bearer subprotocol, ?key= and a forged ?token=
    const viaQuery = connect(server, { query: `token=${access}` });
    await viaQuery.nextOfType('ready');
    await chat(viaQuery, 'q', 'hello via query token');
    viaQuery.close();
    const viaProtocol = connect(server, { token: access });
    await viaProtocol.nextOfType('ready');
    viaProtocol.close();
    const anonymous = connect(server, { key: init.publishableKey });
    const frame = await anonymous.nextOfType('session');
    const socketAccess = keep('socket access token', frame.accessToken);
    revokedSessionId = frame.session.id;
    const socketRefresh = keep('socket refresh token', frame.refreshToken);
    anonymous.send({ type: 'refresh', token: access }); // another session's token: refused
    await anonymous.nextOfType('error');
    anonymous.close();
    const forged = `${access.split('.').slice(0, 2).join('.')}.${keep('forged signature', 'A'.repeat(86))}`;
    await new TestSocket(new WebSocket(`${server.wsUrl}?token=${forged}`, ['tessera.v1'], { origin: ORIGIN })).closed;
    await connect(server, { query: `token=${access}`, origin: 'http://evil.com' }).refusedStatus();

    // refresh in the body, a reuse (which revokes), a near-miss, a logout by refresh token
    const rotated = await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: refresh } });
    keep('rotated refresh token', rotated.body.refreshToken);
    keep('rotated access token', rotated.body.accessToken);
    await api(server, 'POST', '/v1/auth/refresh', { body: { refreshToken: `${refresh.slice(0, -3)}xyz` } });
    await api(server, 'POST', '/v1/auth/logout', { body: { refreshToken: socketRefresh } });
    // refused upgrades: a logged-out session's token, by subprotocol and in the query
    await connect(server, { token: socketAccess }).closed;
    await connect(server, { query: `token=${socketAccess}` }).closed;
    await connect(server, { key: `${init.publishableKey.slice(0, -4)}zzzz` }).closed;

    // API keys: right, wrong, in either header, and a key created over HTTP
    await api(server, 'GET', '/v1/settings', { headers: admin, origin: null });
    await api(server, 'GET', '/v1/settings', { headers: { 'x-api-key': init.secretKey }, origin: null });
    await api(server, 'GET', '/v1/settings', { headers: { authorization: `Bearer ${init.secretKey.slice(0, -4)}zzzz` }, origin: null });
    const created = await api(server, 'POST', '/v1/keys', { headers: admin, body: { name: 'logged?', kind: 'secret' }, origin: null });
    keep('created key', created.body.key);
    await api(server, 'PATCH', '/v1/settings', { headers: admin, body: { limits: { messagesPerMinute: 'many' } }, origin: null });

    expect(await running.stop()).toBe(0);
    output = running.output();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('logged the traffic (so the checks below look at real log lines)', () => {
    expect(output).toMatch(/"level":\d+/);
    expect(output).toContain('/v1/auth/refresh');
    expect(output).toContain('/v1/settings');
    expect(output).toContain('/v1/me?token=[redacted]');
  });

  it('logged every refused upgrade with its code, address, Origin and (when known) session', () => {
    const refused = output
      .split('\n')
      .filter((line) => line.includes('websocket handshake refused'))
      .map((line) => JSON.parse(line));
    const byCode = (code: string) => refused.filter((entry) => entry.code === code);
    // A refused origin has a line of its own (rated: once a minute per origin), with what to run to allow it.
    expect(byCode('ORIGIN_NOT_ALLOWED')).toEqual([]);
    const origins = output
      .split('\n')
      .filter((line) => line.includes('refused origin'))
      .map((line) => JSON.parse(line));
    expect(origins).toEqual([expect.objectContaining({ level: 40, code: 'ORIGIN_NOT_ALLOWED', origin: 'http://evil.com' })]);
    expect(origins[0].msg).toBe(
      'refused origin http://evil.com: not an allowed origin of any tenant; allow it with `tessera origins add http://evil.com` (or PATCH /v1/settings allowedOrigins)',
    );
    expect(byCode('INVALID_TOKEN')).toEqual([expect.objectContaining({ level: 30, ip: '127.0.0.1', origin: ORIGIN })]);
    expect(byCode('SESSION_REVOKED')).toEqual([
      expect.objectContaining({ level: 30, ip: '127.0.0.1', origin: ORIGIN, sessionId: revokedSessionId }),
      expect.objectContaining({ level: 30, ip: '127.0.0.1', origin: ORIGIN, sessionId: revokedSessionId }),
    ]);
    expect(byCode('INVALID_API_KEY')).toEqual([expect.objectContaining({ level: 30, ip: '127.0.0.1', origin: ORIGIN })]);
    for (const entry of refused) expect(Object.keys(entry).sort()).not.toContain('url');
  });

  it('never wrote a token, refresh token or API key, whole or in part', () => {
    expect(secrets.size).toBeGreaterThan(10);
    for (const [name, secret] of secrets) {
      expect(output.includes(secret), `${name} appears in the logs`).toBe(false);
      // the part that makes it secret: a JWT's signature, the secret after a key's or refresh token's id
      const secretPart = secret.includes('.') ? secret.split('.')[2] : secret.split('_').slice(2).join('_');
      if (secretPart) expect(output.includes(secretPart), `the secret part of the ${name} appears in the logs`).toBe(false);
    }
  });
});
