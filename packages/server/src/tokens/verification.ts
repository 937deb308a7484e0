import { badConfig } from './external-token-errors.js';
import { parsePublicKey } from './public-key-pem.js';

/** How a tenant or partner's tokens are verified: exactly one of the three key sources. */
export type Verification = { secret: string } | { publicKeyPem: string } | { jwksUrl: string };

/** Minimum HS256 secret length (RFC 7518 §3.2: a key at least as long as the hash). */
export const MIN_SECRET_BYTES = 32;
export const MAX_SECRET_BYTES = 4096;
const MAX_URL_CHARS = 2048;

/** Whether a shared secret has an acceptable length. */
export function secretLengthIsValid(secret: string): boolean {
  const bytes = Buffer.byteLength(secret, 'utf8');
  return bytes >= MIN_SECRET_BYTES && bytes <= MAX_SECRET_BYTES;
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

  if (kind === 'secret') return { secret: validSecret(value) };
  if (kind === 'publicKeyPem') {
    const pem = value.trim();
    parsePublicKey(pem, badConfig);
    return { publicKeyPem: pem };
  }
  return { jwksUrl: validJwksUrl(value) };
}

function validSecret(secret: string): string {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) throw badConfig(`verification.secret must be at least ${MIN_SECRET_BYTES} bytes`);
  if (bytes > MAX_SECRET_BYTES) throw badConfig(`verification.secret must be at most ${MAX_SECRET_BYTES} bytes`);
  return secret;
}

function validJwksUrl(value: string): string {
  if (value.length > MAX_URL_CHARS) throw badConfig('verification.jwksUrl is too long');
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw badConfig('verification.jwksUrl must be an absolute http(s) URL', cause);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw badConfig('verification.jwksUrl must be an http(s) URL');
  }
  if (url.username || url.password) throw badConfig('verification.jwksUrl must not carry credentials');
  if (url.hash) throw badConfig('verification.jwksUrl must not have a fragment');
  return url.href;
}
