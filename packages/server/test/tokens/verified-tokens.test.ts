import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokens, SigningKeyStore, VerifiedTokens } from '../../src/tokens/index.js';
import { withClaims } from '../support/tokens.js';

const T0 = 1_800_000_000_000;
const input = { aud: 'ten_a', sub: 'anon_x', sid: 'sess_x', anon: 'anon_x', auth: 'anonymous' as const, ver: 1 };

describe('verified tokens: one signature check per token per node', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-verified-'));
    dirs.push(dir);
    let now = T0;
    const clock = { now: () => now };
    const keys = await SigningKeyStore.open(dir, clock);
    const accessTokens = new AccessTokens(keys, 'tessera');
    let signatureChecks = 0;
    const counting = Object.assign(Object.create(accessTokens) as AccessTokens, {
      verify: (token: string, nowMs: number, audience?: string) => {
        signatureChecks++;
        return accessTokens.verify(token, nowMs, audience);
      },
    });
    const verified = new VerifiedTokens(counting);
    return { dir, keys, accessTokens, verified, clock, advance: (ms: number) => (now += ms), checks: () => signatureChecks };
  }

  it('checks a token once, then still enforces expiry and audience on every use', async () => {
    const { accessTokens, verified, advance, checks } = await setup();
    const { token } = accessTokens.sign(input, T0, 60);
    expect(verified.verify(token, T0).sid).toBe('sess_x');
    expect(verified.verify(token, T0 + 1000).sid).toBe('sess_x');
    expect(checks()).toBe(1);
    expect(() => verified.verify(token, T0 + 1000, 'ten_other')).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
    advance(61_000);
    expect(() => verified.verify(token, T0 + 61_000)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
  });

  it('never lets a tampered copy of a verified token through', async () => {
    const { accessTokens, verified } = await setup();
    const { token } = accessTokens.sign(input, T0, 60);
    verified.verify(token, T0);
    const forged = withClaims(token, (claims) => (claims.sid = 'sess_victim'));
    expect(() => verified.verify(forged, T0)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
  });

  it('stops trusting a cached token once its signing key is removed from the data directory', async () => {
    const { dir, keys, accessTokens, verified, advance } = await setup();
    const { token } = accessTokens.sign(input, T0, 3600);
    verified.verify(token, T0);
    const old = keys.signingKey(T0).kid;
    await keys.rotate();
    // An operator removes the (compromised) old key by hand.
    const path = join(dir, 'keys', 'signing-keys.json');
    writeFileSync(path, JSON.stringify(JSON.parse(readFileSync(path, 'utf8')).filter((k: { kid: string }) => k.kid !== old)));
    advance(10_000);
    expect(() => verified.verify(token, T0 + 10_000)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
  });
});
