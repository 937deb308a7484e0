import { constants, createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TesseraError } from '../../src/errors.js';
import { ExternalTokenVerifier, claimAtPath, validateVerification, type ExternalTokenRules } from '../../src/tokens/index.js';

// A fixed clock far from real time: tokens valid "now" by the wall clock would be
// judged by this clock instead, which proves the injected clock is the one used.
const NOW_MS = Date.UTC(2031, 4, 17, 12, 0, 0);
const NOW = NOW_MS / 1000;
const clock = { now: () => NOW_MS };

const SECRET = 'a-very-long-shared-secret-of-at-least-32-bytes!';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const RSA_PEM = pem(rsa.publicKey);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a JWT by hand (no jose), so tests can forge any header they like. */
function jwt(header: Record<string, unknown>, payload: Record<string, unknown>, key?: string | Buffer | KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (header.alg) {
    case 'HS256':
      signature = createHmac('sha256', key as string | Buffer)
        .update(data)
        .digest();
      break;
    case 'RS256':
      signature = cryptoSign('sha256', data, key as KeyObject);
      break;
    case 'PS256':
      signature = cryptoSign('sha256', data, {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
      break;
    case 'ES256':
      signature = cryptoSign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
    case 'ES384':
      signature = cryptoSign('sha384', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
    case 'EdDSA':
    case 'Ed25519':
      signature = cryptoSign(null, data, key as KeyObject);
      break;
    default:
      signature = Buffer.alloc(0);
  }
  return `${input}.${signature.toString('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: 'https://app.example.com',
  aud: 'ten_123',
  sub: 'anon_abc',
  iat: NOW - 10,
  exp: NOW + 120,
  ...extra,
});

const hsRules: ExternalTokenRules = { verification: { secret: SECRET } };
const rsaRules: ExternalTokenRules = { verification: { publicKeyPem: RSA_PEM } };

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TesseraError);
    return error as TesseraError;
  }
  throw new Error('expected the token to be rejected');
}

async function expectInvalid(promise: Promise<unknown>, message?: string | RegExp): Promise<TesseraError> {
  const error = await rejection(promise);
  expect(error.code).toBe('INVALID_TOKEN');
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

describe('ExternalTokenVerifier: accepted tokens', () => {
  const verifier = new ExternalTokenVerifier({ clock });

  it('accepts HS256 with a shared secret', async () => {
    const token = jwt({ alg: 'HS256', typ: 'JWT' }, claims({ external_id: 'u-1' }), SECRET);
    const payload = await verifier.verify(token, { ...hsRules, issuer: 'https://app.example.com', audience: 'ten_123' });
    expect(payload.external_id).toBe('u-1');
  });

  it('accepts RS256 and PS256 with an RSA public key', async () => {
    for (const alg of ['RS256', 'PS256']) {
      const token = jwt({ alg }, claims({ sub: `anon_${alg}` }), rsa.privateKey);
      await expect(verifier.verify(token, rsaRules)).resolves.toMatchObject({ sub: `anon_${alg}` });
    }
  });

  it('accepts ES256 and ES384 by the key curve', async () => {
    const t256 = jwt({ alg: 'ES256' }, claims({ sub: 'anon_es256' }), ec256.privateKey);
    await expect(verifier.verify(t256, { verification: { publicKeyPem: pem(ec256.publicKey) } })).resolves.toMatchObject({
      sub: 'anon_es256',
    });
    const t384 = jwt({ alg: 'ES384' }, claims({ sub: 'anon_es384' }), ec384.privateKey);
    await expect(verifier.verify(t384, { verification: { publicKeyPem: pem(ec384.publicKey) } })).resolves.toMatchObject({
      sub: 'anon_es384',
    });
  });

  it('accepts EdDSA with an Ed25519 key', async () => {
    const token = jwt({ alg: 'EdDSA' }, claims(), ed.privateKey);
    await expect(verifier.verify(token, { verification: { publicKeyPem: pem(ed.publicKey) } })).resolves.toMatchObject({
      sub: 'anon_abc',
    });
  });

  it('checks typ and required claims when asked', async () => {
    const rules: ExternalTokenRules = { ...hsRules, typ: 'tessera-init+jwt', requiredClaims: ['jti'] };
    const good = jwt({ alg: 'HS256', typ: 'tessera-init+jwt' }, claims({ jti: 'j1' }), SECRET);
    await expect(verifier.verify(good, rules)).resolves.toMatchObject({ jti: 'j1' });
    const noJti = jwt({ alg: 'HS256', typ: 'tessera-init+jwt' }, claims(), SECRET);
    await expectInvalid(verifier.verify(noJti, rules), /jti/);
    const wrongTyp = jwt({ alg: 'HS256', typ: 'at+jwt' }, claims({ jti: 'j1' }), SECRET);
    await expectInvalid(verifier.verify(wrongTyp, rules), 'wrong token type');
  });

  it('imports a key once per secret and per PEM', async () => {
    const spy = vi.spyOn(crypto.subtle, 'importKey');
    try {
      const fresh = new ExternalTokenVerifier({ clock });
      const hs = jwt({ alg: 'HS256' }, claims(), SECRET);
      const rs = jwt({ alg: 'RS256' }, claims(), rsa.privateKey);
      await fresh.verify(hs, hsRules);
      await fresh.verify(rs, rsaRules);
      const afterFirst = spy.mock.calls.length;
      for (let i = 0; i < 5; i++) {
        await fresh.verify(hs, hsRules);
        await fresh.verify(rs, rsaRules);
      }
      expect(spy.mock.calls.length).toBe(afterFirst);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('ExternalTokenVerifier: attacks', () => {
  const verifier = new ExternalTokenVerifier({ clock });

  it('rejects a forged signature', async () => {
    const token = jwt({ alg: 'HS256' }, claims(), SECRET);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${b64(claims({ sub: 'usr_admin' }))}.${s}`;
    await expectInvalid(verifier.verify(tampered, hsRules), 'bad signature');

    const otherSecret = jwt({ alg: 'HS256' }, claims(), 'another-secret-that-is-also-32-bytes-long');
    await expectInvalid(verifier.verify(otherSecret, hsRules), 'bad signature');

    const otherKey = jwt({ alg: 'RS256' }, claims(), otherRsa.privateKey);
    await expectInvalid(verifier.verify(otherKey, rsaRules), 'bad signature');
  });

  it('rejects an expired token, judged by the injected clock', async () => {
    const token = jwt({ alg: 'HS256' }, claims({ iat: NOW - 100, exp: NOW - 1 }), SECRET);
    await expectInvalid(verifier.verify(token, hsRules), /^token expired$/);
    // Valid by the wall clock (exp far in the future of today) but expired for our clock.
    const wall = Math.floor(Date.now() / 1000);
    const stale = jwt({ alg: 'HS256' }, claims({ iat: wall, exp: wall + 3600 }), SECRET);
    if (wall + 3600 < NOW) await expectInvalid(verifier.verify(stale, hsRules), 'token expired');
  });

  it('rejects a token without exp', async () => {
    const { exp: _exp, ...noExp } = claims();
    await expectInvalid(verifier.verify(jwt({ alg: 'HS256' }, noExp, SECRET), hsRules), /"exp"/);
  });

  it('rejects a token not yet valid (nbf)', async () => {
    const token = jwt({ alg: 'HS256' }, claims({ nbf: NOW + 60 }), SECRET);
    await expectInvalid(verifier.verify(token, hsRules), 'token not yet valid');
  });

  it('rejects the wrong issuer and the wrong audience', async () => {
    const token = jwt({ alg: 'HS256' }, claims(), SECRET);
    await expectInvalid(verifier.verify(token, { ...hsRules, issuer: 'https://evil.example.com' }), 'wrong issuer');
    await expectInvalid(verifier.verify(token, { ...hsRules, audience: 'ten_other' }), 'wrong audience');
    const { iss: _iss, ...noIss } = claims();
    await expectInvalid(verifier.verify(jwt({ alg: 'HS256' }, noIss, SECRET), { ...hsRules, issuer: 'https://app.example.com' }), /"iss"/);
  });

  it('rejects alg none under every kind of key', async () => {
    const token = jwt({ alg: 'none' }, claims());
    await expectInvalid(verifier.verify(token, hsRules));
    await expectInvalid(verifier.verify(token, rsaRules));
    await expectInvalid(verifier.verify(token, { verification: { publicKeyPem: pem(ed.publicKey) } }));
    const noneWithSig = `${token}${Buffer.from('x').toString('base64url')}`;
    await expectInvalid(verifier.verify(noneWithSig, hsRules));
  });

  it('rejects HS256 signed with the RSA public key PEM as the secret', async () => {
    for (const secret of [RSA_PEM, RSA_PEM.trim(), Buffer.from(RSA_PEM)]) {
      const token = jwt({ alg: 'HS256' }, claims(), secret);
      await expectInvalid(verifier.verify(token, rsaRules), 'token algorithm is not allowed for this key');
    }
  });

  it('rejects an algorithm that does not match the key type', async () => {
    const es = jwt({ alg: 'ES256' }, claims(), ec256.privateKey);
    await expectInvalid(verifier.verify(es, rsaRules), 'not allowed');
    const rs = jwt({ alg: 'RS256' }, claims(), rsa.privateKey);
    await expectInvalid(verifier.verify(rs, { verification: { publicKeyPem: pem(ec256.publicKey) } }), 'not allowed');
    // ES384 token against a P-256 key.
    const es384 = jwt({ alg: 'ES384' }, claims(), ec384.privateKey);
    await expectInvalid(verifier.verify(es384, { verification: { publicKeyPem: pem(ec256.publicKey) } }), 'not allowed');
    // An asymmetric token against a shared secret.
    await expectInvalid(verifier.verify(rs, hsRules), 'not allowed');
  });

  it.each(['jku', 'x5u', 'jwk', 'x5c', 'crit'])('rejects a validly signed token carrying a %s header', async (name) => {
    const values: Record<string, unknown> = {
      jku: 'https://evil.example.com/jwks.json',
      x5u: 'https://evil.example.com/cert.pem',
      jwk: { ...(rsa.publicKey.export({ format: 'jwk' }) as object) },
      x5c: ['MIIB...'],
      crit: ['exp'],
    };
    const token = jwt({ alg: 'RS256', [name]: values[name] }, claims(), rsa.privateKey);
    await expectInvalid(verifier.verify(token, rsaRules), new RegExp(`"${name}"`));
  });

  it('rejects an embedded jwk header even when the token is signed by that embedded key', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt({ alg: 'RS256', jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims(), attacker.privateKey);
    await expectInvalid(verifier.verify(token, rsaRules), /"jwk"/);
  });

  it('rejects a lifetime over maxLifetimeSeconds', async () => {
    const rules = { ...hsRules, maxLifetimeSeconds: 300 };
    const farExp = jwt({ alg: 'HS256' }, claims({ iat: NOW, exp: NOW + 3600 }), SECRET);
    await expectInvalid(verifier.verify(farExp, rules), /lifetime/);
    const farExpNoIat = jwt({ alg: 'HS256' }, claims({ iat: undefined, exp: NOW + 301 }), SECRET);
    await expectInvalid(verifier.verify(farExpNoIat, rules), /lifetime/);
    // Close to expiry but minted with a long lifetime: exp - iat counts too.
    const longLived = jwt({ alg: 'HS256' }, claims({ iat: NOW - 3000, exp: NOW + 60 }), SECRET);
    await expectInvalid(verifier.verify(longLived, rules), /lifetime/);
    const ok = jwt({ alg: 'HS256' }, claims({ sub: 'anon_ok', iat: NOW, exp: NOW + 300 }), SECRET);
    await expect(verifier.verify(ok, rules)).resolves.toMatchObject({ sub: 'anon_ok', exp: NOW + 300 });
  });

  it('rejects garbage and oversized tokens', async () => {
    for (const token of ['', 'abc', 'a.b.c', '...', `${b64({ alg: 'HS256' })}.notjson.sig`, 'x'.repeat(20_000)]) {
      await expectInvalid(verifier.verify(token, hsRules));
    }
    await expectInvalid(verifier.verify(undefined as unknown as string, hsRules));
  });

  it('treats a misconfigured verification as INVALID_TOKEN, not a crash', async () => {
    const token = jwt({ alg: 'HS256' }, claims(), 'short');
    await expectInvalid(verifier.verify(token, { verification: { secret: 'short' } }), /configured/);
    await expectInvalid(verifier.verify(token, { verification: { publicKeyPem: 'nope' } }), /configured/);
    await expectInvalid(verifier.verify(token, { verification: {} as never }), /configured/);
  });
});

describe('ExternalTokenVerifier: JWKS', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  }

  const jwk = (key: KeyObject, kid: string, alg: string) => ({ ...(key.export({ format: 'jwk' }) as object), kid, alg, use: 'sig' });

  async function jwksServer(initial: object[]) {
    const state = { keys: initial, requests: 0 };
    const url = await serve((_req, res) => {
      state.requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: state.keys }));
    });
    return { url, state };
  }

  it('accepts tokens signed by keys of a JWKS served over HTTP', async () => {
    const { url, state } = await jwksServer([
      jwk(rsa.publicKey, 'rsa-1', 'RS256'),
      jwk(ec256.publicKey, 'ec-1', 'ES256'),
      jwk(ed.publicKey, 'ed-1', 'EdDSA'),
    ]);
    const verifier = new ExternalTokenVerifier({ clock });
    const rules: ExternalTokenRules = { verification: { jwksUrl: url }, issuer: 'https://app.example.com' };
    for (const [alg, kid, key] of [
      ['RS256', 'rsa-1', rsa.privateKey],
      ['ES256', 'ec-1', ec256.privateKey],
      ['EdDSA', 'ed-1', ed.privateKey],
    ] as const) {
      const token = jwt({ alg, kid }, claims({ sub: `anon_${kid}` }), key);
      await expect(verifier.verify(token, rules)).resolves.toMatchObject({ sub: `anon_${kid}`, iss: 'https://app.example.com' });
    }
    expect(state.requests).toBe(1); // cached

    // Wrong key under a known kid, HS256 "signed with" the JWKS, alg none: all refused.
    await expectInvalid(verifier.verify(jwt({ alg: 'RS256', kid: 'rsa-1' }, claims(), otherRsa.privateKey), rules), 'bad signature');
    await expectInvalid(verifier.verify(jwt({ alg: 'HS256', kid: 'rsa-1' }, claims(), RSA_PEM), rules), 'not allowed');
    await expectInvalid(verifier.verify(jwt({ alg: 'none', kid: 'rsa-1' }, claims()), rules));
    await expectInvalid(verifier.verify(jwt({ alg: 'RS256', kid: 'rsa-1', jku: url }, claims(), rsa.privateKey), rules), /"jku"/);
  });

  it('refetches once on an unknown kid, and not again within the cooldown', async () => {
    const k2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { url, state } = await jwksServer([jwk(ec256.publicKey, 'k1', 'ES256')]);
    const cooldownMs = 300;
    const verifier = new ExternalTokenVerifier({ clock, jwksCooldownMs: cooldownMs });
    const rules: ExternalTokenRules = { verification: { jwksUrl: url } };

    const k1Token = jwt({ alg: 'ES256', kid: 'k1' }, claims({ sub: 'anon_k1' }), ec256.privateKey);
    await expect(verifier.verify(k1Token, rules)).resolves.toMatchObject({ sub: 'anon_k1' });
    expect(state.requests).toBe(1);

    // The customer rotates keys: k2 appears on the server.
    state.keys = [jwk(ec256.publicKey, 'k1', 'ES256'), jwk(k2.publicKey, 'k2', 'ES256')];
    const k2Token = jwt({ alg: 'ES256', kid: 'k2' }, claims({ sub: 'anon_k2' }), k2.privateKey);

    // Right after a fetch, an unknown kid does not hit the server.
    await expectInvalid(verifier.verify(k2Token, rules), 'no key in the JWKS matches the token');
    expect(state.requests).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 100));
    await expect(verifier.verify(k2Token, rules)).resolves.toMatchObject({ sub: 'anon_k2' });
    expect(state.requests).toBe(2);

    // A flood of tokens with made-up kids: no more than one fetch per cooldown.
    const bogus = (kid: string) => jwt({ alg: 'ES256', kid }, claims(), ec256.privateKey);
    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 100));
    await expectInvalid(verifier.verify(bogus('nope-1'), rules), 'no key');
    expect(state.requests).toBe(3);
    await Promise.all(Array.from({ length: 20 }, (_, i) => expectInvalid(verifier.verify(bogus(`nope-${i + 2}`), rules), 'no key')));
    expect(state.requests).toBe(3);
  });

  it('times out on a hanging JWKS server with INVALID_TOKEN', async () => {
    let requests = 0;
    const url = await serve(() => {
      requests++; // never answers
    });
    const verifier = new ExternalTokenVerifier({ clock, jwksTimeoutMs: 200 });
    const started = Date.now();
    const error = await expectInvalid(
      verifier.verify(jwt({ alg: 'ES256', kid: 'k1' }, claims(), ec256.privateKey), { verification: { jwksUrl: url } }),
      /timed out/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(requests).toBe(1);
    expect(error.cause).toBeDefined();
  });

  it('rejects when the JWKS server fails or answers nonsense', async () => {
    const verifier = new ExternalTokenVerifier({ clock });
    const token = jwt({ alg: 'ES256', kid: 'k1' }, claims(), ec256.privateKey);
    const status500 = await serve((_req, res) => res.writeHead(500).end('oops'));
    await expectInvalid(verifier.verify(token, { verification: { jwksUrl: status500 } }));
    const redirect = await serve((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end());
    await expectInvalid(verifier.verify(token, { verification: { jwksUrl: redirect } }));
    const notJson = await serve((_req, res) => res.writeHead(200).end('<html>'));
    await expectInvalid(verifier.verify(token, { verification: { jwksUrl: notJson } }));
    const huge = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(1024 * 1024) }));
    });
    await expectInvalid(verifier.verify(token, { verification: { jwksUrl: huge } }));
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      calls.push(String(url));
      return new Response(JSON.stringify({ keys: [jwk(ec256.publicKey, 'k1', 'ES256')] }), { status: 200 });
    }) as typeof fetch;
    const verifier = new ExternalTokenVerifier({ clock, fetch: fakeFetch });
    const token = jwt({ alg: 'ES256', kid: 'k1' }, claims({ sub: 'anon_fetched' }), ec256.privateKey);
    await expect(verifier.verify(token, { verification: { jwksUrl: 'https://keys.example.com/jwks' } })).resolves.toMatchObject({
      sub: 'anon_fetched',
    });
    expect(calls).toEqual(['https://keys.example.com/jwks']);
  });
});

describe('validateVerification', () => {
  const bad = (v: unknown) => {
    try {
      validateVerification(v);
    } catch (error) {
      expect(error).toBeInstanceOf(TesseraError);
      expect((error as TesseraError).code).toBe('BAD_REQUEST');
      return (error as TesseraError).message;
    }
    throw new Error('expected BAD_REQUEST');
  };

  it('accepts each kind and returns only the recognised field', () => {
    expect(validateVerification({ secret: SECRET })).toEqual({ secret: SECRET });
    expect(validateVerification({ publicKeyPem: `\n${RSA_PEM}\n` })).toEqual({ publicKeyPem: RSA_PEM.trim() });
    expect(validateVerification({ publicKeyPem: pem(ec384.publicKey) })).toEqual({ publicKeyPem: pem(ec384.publicKey).trim() });
    expect(validateVerification({ publicKeyPem: pem(ed.publicKey) })).toEqual({ publicKeyPem: pem(ed.publicKey).trim() });
    expect(validateVerification({ jwksUrl: 'https://app.example.com/.well-known/jwks.json' })).toEqual({
      jwksUrl: 'https://app.example.com/.well-known/jwks.json',
    });
  });

  it('refuses bad configuration', () => {
    expect(bad({ secret: 'too-short' })).toMatch(/32 bytes/);
    expect(bad({ publicKeyPem: 'not a pem' })).toMatch(/PUBLIC KEY/);
    expect(bad({ publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })).toMatch(/not a valid/);
    expect(bad({ publicKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })).toMatch(/private/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(bad({ publicKeyPem: pem(weak.publicKey) })).toMatch(/2048/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expect(bad({ publicKeyPem: pem(k1.publicKey) })).toMatch(/P-256/);
    const x448 = generateKeyPairSync('ed448');
    expect(bad({ publicKeyPem: pem(x448.publicKey) })).toMatch(/RSA, EC or Ed25519/);
    expect(bad({ jwksUrl: 'ftp://example.com/jwks' })).toMatch(/http/);
    expect(bad({ jwksUrl: 'file:///etc/passwd' })).toMatch(/http/);
    expect(bad({ jwksUrl: 'not a url' })).toMatch(/URL/);
    expect(bad({ jwksUrl: 'https://user:pw@example.com/jwks' })).toMatch(/credentials/);
    expect(bad({ secret: SECRET, jwksUrl: 'https://example.com/jwks' })).toMatch(/exactly one/);
    expect(bad({})).toMatch(/exactly one/);
    expect(bad({ secret: SECRET, extra: 1 })).toMatch(/unknown/);
    expect(bad({ secret: 42 })).toMatch(/string/);
    expect(bad(null)).toMatch(/object/);
    expect(bad('secret')).toMatch(/object/);
  });
});

describe('claimAtPath', () => {
  it('reads Watson-style nested user ids', () => {
    const payload = { sub: 'anon_abc', user_payload: { custom_user_id: 'cust-42', name: 'Ada' } };
    expect(claimAtPath(payload, 'user_payload.custom_user_id')).toBe('cust-42');
    expect(claimAtPath(payload, 'user_payload.name')).toBe('Ada');
    expect(claimAtPath(payload, 'sub')).toBe('anon_abc');
  });

  it('reads Zendesk-style top-level external_id', () => {
    expect(claimAtPath({ external_id: 'zd-7', name: 'Bob' }, 'external_id')).toBe('zd-7');
  });

  it('finds namespaced claim names that contain dots', () => {
    const payload = { 'https://app.example.com/user_id': 'u-9', 'https://app.example.com': { x: 1 } };
    expect(claimAtPath(payload, 'https://app.example.com/user_id')).toBe('u-9');
    expect(claimAtPath({ 'a.b': { c: 3 } }, 'a.b.c')).toBe(3);
  });

  it('returns undefined for missing paths and does not walk prototypes', () => {
    const payload = { user_payload: { custom_user_id: 'x' }, list: ['a'] };
    expect(claimAtPath(payload, 'user_payload.missing')).toBeUndefined();
    expect(claimAtPath(payload, 'missing.deeper')).toBeUndefined();
    expect(claimAtPath(payload, 'user_payload.custom_user_id.length')).toBeUndefined();
    expect(claimAtPath(payload, 'constructor')).toBeUndefined();
    expect(claimAtPath(payload, 'user_payload.__proto__')).toBeUndefined();
    expect(claimAtPath(payload, 'list.0')).toBeUndefined();
    expect(claimAtPath(payload, '')).toBeUndefined();
  });
});

describe('one token, one spelling', () => {
  const verifier = new ExternalTokenVerifier({ clock });

  it('refuses padded, non-canonical and foreign-alphabet spellings of a valid token (single-use ids key on the string)', async () => {
    const token = jwt({ alg: 'HS256' }, claims({ sub: 'canonical' }), SECRET);
    await expect(verifier.verify(token, hsRules)).resolves.toMatchObject({ sub: 'canonical' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature[signature.length - 1]!);
    const spellings = [
      `${signature}=`,
      signature.slice(0, -1) + alphabet[last ^ 1], // HS256: 43 characters, 2 unused bits
      `${signature.slice(0, 10)}\u00e9${signature.slice(10)}`,
    ];
    if (/[-_]/.test(signature)) spellings.push(signature.replace(/-/g, '+').replace(/_/g, '/'));
    for (const spelling of spellings) {
      await expect(verifier.verify(`${header}.${payload}.${spelling}`, hsRules)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    }
  });
});
