import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Other spellings of the same signature bytes, which a lenient base64url decoder takes as the same token. */
function respellings(token: string): Record<string, string> {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const last = ALPHABET.indexOf(signature[signature.length - 1]);
  const variants: Record<string, string> = {
    padded: `${signature}==`,
    'non-canonical trailing bits': signature.slice(0, -1) + ALPHABET[last ^ 1],
    'a non-ASCII character inside': `${signature.slice(0, 20)}é${signature.slice(20)}`,
    'a space inside': `${signature.slice(0, 20)} ${signature.slice(20)}`,
  };
  if (/[-_]/.test(signature)) variants['the +/ alphabet'] = signature.replace(/-/g, '+').replace(/_/g, '/');
  return Object.fromEntries(Object.entries(variants).map(([name, sig]) => [name, `${header}.${payload}.${sig}`]));
}

describe('tokens are decoded strictly: one token, one spelling', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  const me = (token: string) => api(server, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });

  /** A session whose access token's signature holds a `-` or `_`, so the `+/` spelling is tried too. */
  async function sessionWithUrlSafeCharacters() {
    for (let attempt = 0; attempt < 20; attempt++) {
      const tokens = await startAnonymousSession(server);
      if (/[-_]/.test(tokens.accessToken.split('.')[2]!)) return tokens;
    }
    throw new Error('no token with - or _ in 20 tries');
  }

  it('refuses every other spelling of a valid access token over HTTP, and still takes the token itself', async () => {
    const tokens = await sessionWithUrlSafeCharacters();
    expect((await me(tokens.accessToken)).status).toBe(200); // seen and verified once: the cache must not widen it
    const variants = respellings(tokens.accessToken);
    expect(Object.keys(variants)).toContain('the +/ alphabet');
    for (const [name, variant] of Object.entries(variants)) {
      const response = await me(variant);
      expect({ name, status: response.status, code: response.body?.error?.code }).toEqual({ name, status: 401, code: 'INVALID_TOKEN' });
    }
    expect((await me(tokens.accessToken)).status).toBe(200);
  });

  it('refuses them in the WebSocket handshake too', async () => {
    const tokens = await sessionWithUrlSafeCharacters();
    const { padded, 'non-canonical trailing bits': trailing } = respellings(tokens.accessToken);
    for (const variant of [padded!, trailing!]) {
      // In the query: `=` may not stand in a subprotocol.
      const socket = connect(server, { query: `token=${encodeURIComponent(variant)}` });
      expect(await socket.closed).toEqual({ code: 1008, reason: 'INVALID_TOKEN' });
    }
  });

  it('refuses an access token before its nbf', async () => {
    const tokens = await startAnonymousSession(server);
    const claims = decodeJwt(tokens.accessToken) as Record<string, unknown>;
    const { iss: _iss, iat: _iat, exp: _exp, jti: _jti, ...input } = claims;
    const now = Date.now();
    const early = server.app.services.accessTokens.sign({ ...input, nbf: Math.floor(now / 1000) + 600 } as never, now, 900).token;
    const response = await me(early);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('INVALID_TOKEN');
  });
});
