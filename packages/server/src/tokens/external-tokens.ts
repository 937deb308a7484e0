import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  jwtVerify,
  type FetchImplementation,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';

/**
 * Verification of JWTs signed by someone else: the customer's own app (identity
 * tokens) and partners (init tokens). The algorithm is fixed by the configured key,
 * never chosen by the token; key-bearing and key-pointing headers are refused.
 */

/** How a tenant or partner's tokens are verified: exactly one of the three. */
export type Verification = { secret: string } | { publicKeyPem: string } | { jwksUrl: string };

export interface ExternalTokenRules {
  verification: Verification;
  /** Required `iss` when set. */
  issuer?: string;
  /** Required `aud` (or one of it) when set. */
  audience?: string;
  /** `exp - now` must be at most this, and `exp - iat` too when `iat` is present. */
  maxLifetimeSeconds?: number;
  /** Claims that must be present; `exp` always is. */
  requiredClaims?: string[];
  /** Required header `typ` when set (compared as jose does, `application/` prefix ignored). */
  typ?: string;
  /** Leeway for `exp` and `nbf`, for the other party's clock. Default 0. */
  clockToleranceSeconds?: number;
}

export interface ExternalTokenVerifierOptions {
  clock: Clock;
  /** Abort a JWKS fetch after this long. Default 5000. */
  jwksTimeoutMs?: number;
  /** After a fetch, an unknown `kid` triggers no new fetch for this long. Default 30000. */
  jwksCooldownMs?: number;
  /** Refetch a JWKS that is older than this before using it. Default 600000. */
  jwksCacheMaxAgeMs?: number;
  fetch?: typeof fetch;
}

/** Minimum HS256 secret length (RFC 7518 §3.2: a key at least as long as the hash). */
export const MIN_SECRET_BYTES = 32;
const MAX_SECRET_BYTES = 4096;
const MAX_PEM_CHARS = 16_384;
const MAX_URL_CHARS = 2048;
const MIN_RSA_BITS = 2048;
/** Longer tokens are refused before any parsing. */
export const MAX_EXTERNAL_TOKEN_CHARS = 16_384;
/** Larger JWKS responses are refused. */
const MAX_JWKS_BYTES = 256 * 1024;
/** Bound on each key cache, so a churn of configurations cannot grow memory without limit. */
const MAX_CACHED_KEYS = 1024;

/** Header parameters that carry or point to a key: never followed, the token is refused. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;

const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const EC_ALGORITHM: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

interface PublicKeyEntry {
  key: KeyObject;
  algorithms: string[];
}

/**
 * Checks a verification configuration once, when it is written (settings, partners).
 * Returns a fresh object holding only the one recognised field.
 */
export function validateVerification(v: unknown): Verification {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw badConfig('verification must be an object with one of secret, publicKeyPem or jwksUrl');
  }
  const record = v as Record<string, unknown>;
  const present = (['secret', 'publicKeyPem', 'jwksUrl'] as const).filter((name) => record[name] !== undefined);
  if (present.length !== 1) {
    throw badConfig('verification must have exactly one of secret, publicKeyPem or jwksUrl');
  }
  const extra = Object.keys(record).filter((name) => !present.includes(name as (typeof present)[number]));
  if (extra.length > 0) throw badConfig(`unknown verification field: ${extra[0]}`);
  const kind = present[0];
  const value = record[kind];
  if (typeof value !== 'string') throw badConfig(`verification.${kind} must be a string`);

  if (kind === 'secret') {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes < MIN_SECRET_BYTES) throw badConfig(`verification.secret must be at least ${MIN_SECRET_BYTES} bytes`);
    if (bytes > MAX_SECRET_BYTES) throw badConfig(`verification.secret must be at most ${MAX_SECRET_BYTES} bytes`);
    return { secret: value };
  }
  if (kind === 'publicKeyPem') {
    const pem = value.trim();
    parsePublicKey(pem, badConfig);
    return { publicKeyPem: pem };
  }
  if (value.length > MAX_URL_CHARS) throw badConfig('verification.jwksUrl is too long');
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new TesseraError('BAD_REQUEST', 'verification.jwksUrl must be an absolute http(s) URL', { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badConfig('verification.jwksUrl must be an http(s) URL');
  }
  if (url.username || url.password) throw badConfig('verification.jwksUrl must not carry credentials');
  if (url.hash) throw badConfig('verification.jwksUrl must not have a fragment');
  return { jwksUrl: url.href };
}

/**
 * The value at a dotted claim path: `user_payload.custom_user_id` (Watson), `external_id`
 * (Zendesk). A key that itself contains dots (`https://example.com/user_id`, Auth0-style
 * namespaced claims) is found too: an exact key wins over descending. Own properties only.
 */
export function claimAtPath(payload: Record<string, unknown>, dottedPath: string): unknown {
  if (typeof dottedPath !== 'string' || dottedPath.length === 0 || dottedPath.length > 256) return undefined;
  return lookup(payload, dottedPath);
}

function lookup(value: unknown, path: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  if (Object.hasOwn(object, path)) return object[path];
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (!Object.hasOwn(object, head)) continue;
    const found = lookup(object[head], path.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

export class ExternalTokenVerifier {
  private readonly clock: Clock;
  private readonly jwksTimeoutMs: number;
  private readonly jwksCooldownMs: number;
  private readonly jwksCacheMaxAgeMs: number;
  private readonly fetchJwks: FetchImplementation;
  private readonly secretKeys = new Map<string, Promise<CryptoKey>>();
  private readonly publicKeys = new Map<string, PublicKeyEntry>();
  private readonly jwksSets = new Map<string, JWTVerifyGetKey>();

  constructor(options: ExternalTokenVerifierOptions) {
    this.clock = options.clock;
    this.jwksTimeoutMs = nonNegativeInteger(options.jwksTimeoutMs ?? 5000, 'jwksTimeoutMs');
    this.jwksCooldownMs = nonNegativeInteger(options.jwksCooldownMs ?? 30_000, 'jwksCooldownMs');
    this.jwksCacheMaxAgeMs = nonNegativeInteger(options.jwksCacheMaxAgeMs ?? 600_000, 'jwksCacheMaxAgeMs');
    this.fetchJwks = cappedFetch(options.fetch ?? globalThis.fetch.bind(globalThis));
  }

  /** Verifies `token` under `rules` and returns its payload; any failure is `INVALID_TOKEN`. */
  async verify(token: string, rules: ExternalTokenRules): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length === 0) throw invalid('no token');
    if (token.length > MAX_EXTERNAL_TOKEN_CHARS) throw invalid('token is too large');

    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch (cause) {
      throw invalid('malformed token', cause);
    }
    for (const name of FORBIDDEN_HEADERS) {
      if (Object.hasOwn(header, name)) throw invalid(`token header "${name}" is not accepted`);
    }

    const { key, algorithms } = this.keyFor(rules.verification);
    const requiredClaims = [...new Set(['exp', ...(rules.requiredClaims ?? [])])];
    const options: JWTVerifyOptions = {
      algorithms,
      requiredClaims,
      currentDate: new Date(this.clock.now()),
      clockTolerance: rules.clockToleranceSeconds ?? 0,
    };
    if (rules.issuer !== undefined) options.issuer = rules.issuer;
    if (rules.audience !== undefined) options.audience = rules.audience;
    if (rules.typ !== undefined) options.typ = rules.typ;

    let payload: Record<string, unknown>;
    try {
      const result =
        typeof key === 'function'
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, await key, options);
      payload = result.payload as Record<string, unknown>;
    } catch (cause) {
      throw translate(cause);
    }

    if (rules.maxLifetimeSeconds !== undefined) {
      const exp = payload.exp as number;
      const nowSeconds = this.clock.now() / 1000;
      if (exp - nowSeconds > rules.maxLifetimeSeconds) {
        throw invalid(`token lifetime exceeds ${rules.maxLifetimeSeconds} seconds`);
      }
      if (typeof payload.iat === 'number' && exp - payload.iat > rules.maxLifetimeSeconds) {
        throw invalid(`token lifetime exceeds ${rules.maxLifetimeSeconds} seconds`);
      }
    }
    return payload;
  }

  private keyFor(verification: Verification): {
    key: Promise<CryptoKey | KeyObject> | JWTVerifyGetKey;
    algorithms: string[];
  } {
    const v = verification as Partial<Record<'secret' | 'publicKeyPem' | 'jwksUrl', unknown>>;
    if (typeof v.secret === 'string') return { key: this.secretKey(v.secret), algorithms: ['HS256'] };
    if (typeof v.publicKeyPem === 'string') {
      const entry = this.publicKey(v.publicKeyPem);
      return { key: Promise.resolve(entry.key), algorithms: entry.algorithms };
    }
    if (typeof v.jwksUrl === 'string') return { key: this.jwks(v.jwksUrl), algorithms: JWKS_ALGORITHMS };
    throw misconfigured();
  }

  private secretKey(secret: string): Promise<CryptoKey> {
    let key = this.secretKeys.get(secret);
    if (!key) {
      const bytes = Buffer.byteLength(secret, 'utf8');
      if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) throw misconfigured();
      key = crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      remember(this.secretKeys, secret, key);
    }
    return key;
  }

  private publicKey(pem: string): PublicKeyEntry {
    let entry = this.publicKeys.get(pem);
    if (!entry) {
      entry = parsePublicKey(pem.trim(), (_message, cause) => misconfigured(cause));
      remember(this.publicKeys, pem, entry);
    }
    return entry;
  }

  private jwks(url: string): JWTVerifyGetKey {
    let set = this.jwksSets.get(url);
    if (!set) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch (cause) {
        throw misconfigured(cause);
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw misconfigured();
      set = createRemoteJWKSet(parsed, {
        timeoutDuration: this.jwksTimeoutMs,
        cooldownDuration: this.jwksCooldownMs,
        cacheMaxAge: this.jwksCacheMaxAgeMs,
        [customFetch]: this.fetchJwks,
      });
      remember(this.jwksSets, url, set);
    }
    return set;
  }
}

/** Parses a public key PEM and fixes the algorithms it may verify. */
function parsePublicKey(pem: string, fail: (message: string, cause?: unknown) => Error): PublicKeyEntry {
  if (pem.length > MAX_PEM_CHARS) throw fail('verification.publicKeyPem is too long');
  if (/PRIVATE KEY/.test(pem)) {
    throw fail('verification.publicKeyPem must be a public key; never share the private key');
  }
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) {
    throw fail('verification.publicKeyPem must be a PEM "PUBLIC KEY" block');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw fail('verification.publicKeyPem is not a valid public key', cause);
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw fail(`verification.publicKeyPem: RSA keys must be at least ${MIN_RSA_BITS} bits`);
      }
      return { key, algorithms: ['RS256', 'PS256'] };
    case 'ec': {
      const alg = details.namedCurve ? EC_ALGORITHM[details.namedCurve] : undefined;
      if (!alg) throw fail('verification.publicKeyPem: EC keys must be on P-256, P-384 or P-521');
      return { key, algorithms: [alg] };
    }
    case 'ed25519':
      return { key, algorithms: ['EdDSA', 'Ed25519'] };
    default:
      throw fail('verification.publicKeyPem must be an RSA, EC or Ed25519 public key');
  }
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

const MESSAGES: Record<string, string> = {
  ERR_JWT_EXPIRED: 'token expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'token algorithm is not allowed for this key',
  ERR_JWS_INVALID: 'malformed token',
  ERR_JWT_INVALID: 'malformed token',
  ERR_JWKS_NO_MATCHING_KEY: 'no key in the JWKS matches the token',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'no key in the JWKS verifies the token',
  ERR_JWKS_TIMEOUT: 'timed out fetching the JWKS',
  ERR_JWKS_INVALID: 'the JWKS is malformed',
  ERR_JOSE_NOT_SUPPORTED: 'token algorithm is not supported',
};

const CLAIM_MESSAGES: Record<string, string> = {
  iss: 'wrong issuer',
  aud: 'wrong audience',
  typ: 'wrong token type',
  nbf: 'token not yet valid',
};

function translate(cause: unknown): TesseraError {
  if (cause instanceof TesseraError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const { claim, reason } = cause as { claim?: string; reason?: string };
    if (reason === 'missing') return invalid(`token has no "${claim}" claim`, cause);
    if (claim && CLAIM_MESSAGES[claim]) return invalid(CLAIM_MESSAGES[claim], cause);
    return invalid(`invalid "${claim}" claim`, cause);
  }
  if (typeof code === 'string' && MESSAGES[code]) return invalid(MESSAGES[code], cause);
  if (typeof code === 'string' && code.startsWith('ERR_')) return invalid('token could not be verified', cause);
  // Fetch failures (connection refused, non-JSON body, oversized JWKS) and key type errors.
  return invalid('token could not be verified', cause);
}

function invalid(message: string, cause?: unknown): TesseraError {
  return new TesseraError('INVALID_TOKEN', message, { cause });
}

function misconfigured(cause?: unknown): TesseraError {
  return invalid('token verification is not configured correctly', cause);
}

function badConfig(message: string, cause?: unknown): TesseraError {
  return new TesseraError('BAD_REQUEST', message, { cause });
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return value;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED_KEYS) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
