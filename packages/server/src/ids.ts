import { randomBytes } from 'node:crypto';

export type IdPrefix = 'ten' | 'sess' | 'anon' | 'usr' | 'conv' | 'msg' | 'key' | 'ptn' | 'rt' | 'kid' | 'aud';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` random characters of [A-Za-z0-9] (5.95 bits each), so ids and secrets
 * can be joined with `_` and split again unambiguously.
 */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A prefixed random id, e.g. `sess_3kTq...` (20 characters, 119 bits). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(20)}`;
}

/** A secret of 32 random characters (190 bits). */
export function newSecret(length = 32): string {
  return randomToken(length);
}

/** The random part of a prefixed id: `key_abc` → `abc`. */
export function idBody(id: string): string {
  return id.slice(id.indexOf('_') + 1);
}
