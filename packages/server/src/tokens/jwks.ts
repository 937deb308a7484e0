import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from 'jose';

/** How remote JWKS are fetched and cached (jose's `createRemoteJWKSet` does the caching). */
export interface JwksOptions {
  /** Abort a JWKS fetch after this long. Default 5000. */
  timeoutMs?: number;
  /** After a fetch, an unknown `kid` triggers no new fetch for this long. Default 30000. */
  cooldownMs?: number;
  /** Refetch a JWKS that is older than this before using it. Default 600000. */
  cacheMaxAgeMs?: number;
  fetch?: typeof fetch;
}

/** Larger JWKS responses are refused. */
export const MAX_JWKS_BYTES = 256 * 1024;

/** Makes remote key sets that share one set of fetch settings; options are checked once, here. */
export function remoteJwksFactory(options: JwksOptions): (url: URL) => JWTVerifyGetKey {
  const timeoutDuration = nonNegativeInteger(options.timeoutMs ?? 5000, 'jwksTimeoutMs');
  const cooldownDuration = nonNegativeInteger(options.cooldownMs ?? 30_000, 'jwksCooldownMs');
  const cacheMaxAge = nonNegativeInteger(options.cacheMaxAgeMs ?? 600_000, 'jwksCacheMaxAgeMs');
  const fetchJwks = cappedFetch(options.fetch ?? globalThis.fetch.bind(globalThis));
  return (url) => createRemoteJWKSet(url, { timeoutDuration, cooldownDuration, cacheMaxAge, [customFetch]: fetchJwks });
}

/** Reads a JWKS response with a size cap; jose applies its own status and JSON checks. */
function cappedFetch(fetchImpl: typeof fetch): FetchImplementation {
  return async (url, init) => {
    const response = await fetchImpl(url, init);
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel().catch(() => {});
      return response;
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > MAX_JWKS_BYTES) {
      await response.body.cancel().catch(() => {});
      throw new Error('JWKS response is too large');
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_JWKS_BYTES) {
        await reader.cancel().catch(() => {});
        throw new Error('JWKS response is too large');
      }
      chunks.push(value);
    }
    return new Response(Buffer.concat(chunks), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return value;
}
