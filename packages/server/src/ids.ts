import { randomBytes } from 'node:crypto';

export type IdPrefix =
  | 'ten'
  | 'sess'
  | 'anon'
  | 'usr'
  | 'conv'
  | 'msg'
  | 'key'
  | 'ptn'
  | 'rt'
  | 'kid'
  | 'aud'
  | 'turn'
  | 'whsec'
  | 'flow'
  | 'pkey'
  | 'idn'
  | 'otp';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SORTED_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** Random bytes from a pool refilled 4 KiB at a time: one system call per many ids. */
function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

/**
 * `length` random characters of [A-Za-z0-9] (5.95 bits each), so ids and secrets
 * can be joined with `_` and split again unambiguously.
 */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

/** A prefixed random id, e.g. `sess_3kTq...` (20 characters, 119 bits). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(20)}`;
}

/**
 * A prefixed id that sorts by creation time (8 characters of milliseconds, then 12
 * random ones): rows that arrive together land together in indexes.
 */
export function newTimeOrderedId(prefix: IdPrefix, epochMs: number): string {
  let time = '';
  for (let value = epochMs, i = 0; i < 8; i++, value = Math.floor(value / 62)) time = SORTED_ALPHABET[value % 62] + time;
  return `${prefix}_${time}${randomToken(12)}`;
}

/** A secret of 32 random characters (190 bits). */
export function newSecret(length = 32): string {
  return randomToken(length);
}

/** The random part of a prefixed id: `key_abc` → `abc`. */
export function idBody(id: string): string {
  return id.slice(id.indexOf('_') + 1);
}
