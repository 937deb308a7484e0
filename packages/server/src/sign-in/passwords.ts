import { randomBytes } from 'node:crypto';
import { hash as argon2Hash, parseOptions, verify as argon2Verify, type Algorithm, type Options } from '@node-rs/argon2';
import { TesseraError } from '../errors.js';
import { Semaphore } from './semaphore.js';

/** Argon2id (`Algorithm.Argon2id`; the enum is `const` and cannot be read under isolatedModules). */
const ARGON2ID = 2 as Algorithm;

/**
 * OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane.
 * Each running hash holds `memoryCost` KiB, so `concurrency` bounds memory as well as CPU.
 */
export const PASSWORD_HASH_PARAMS = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} satisfies Options);

export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_CHARS = 256;
/** Longer inputs to `verify` are not hashed at all (they can never match). */
const MAX_VERIFY_CHARS = 4 * MAX_PASSWORD_CHARS;

export interface PasswordHasherOptions {
  /** Hashes running at once (each on libuv's thread pool). Default 2. */
  concurrency?: number;
  /** Hashes waiting for a slot before `RATE_LIMITED`. Default 64. */
  maxQueue?: number;
}

/**
 * NIST SP 800-63B: length only, no composition rules. Lengths count Unicode code points.
 * Throws `BAD_REQUEST` with a message fit to show the user.
 */
export function checkPasswordPolicy(password: string): void {
  if (typeof password !== 'string') throw new TesseraError('BAD_REQUEST', 'password must be a string');
  const length = codePoints(password);
  if (length < MIN_PASSWORD_CHARS) {
    throw new TesseraError('BAD_REQUEST', `password must be at least ${MIN_PASSWORD_CHARS} characters`);
  }
  if (length > MAX_PASSWORD_CHARS) {
    throw new TesseraError('BAD_REQUEST', `password must be at most ${MAX_PASSWORD_CHARS} characters`);
  }
}

/**
 * argon2id hashing for tenant-hosted accounts. @node-rs/argon2 runs each hash on
 * libuv's thread pool, off the event loop; a semaphore keeps at most `concurrency`
 * of them running so a login flood queues (and past `maxQueue` is refused with
 * `RATE_LIMITED`) instead of taking every pool thread and all the memory.
 *
 * Passwords are NFKC-normalised before hashing (800-63B §5.1.1.2), so the same
 * password typed with composed or decomposed characters matches.
 */
export class PasswordHasher {
  private readonly limiter: Semaphore;
  private dummyHash: Promise<string> | undefined;

  constructor(options: PasswordHasherOptions = {}) {
    this.limiter = new Semaphore({
      concurrency: options.concurrency ?? 2,
      maxQueue: options.maxQueue ?? 64,
      name: 'password hashing',
    });
  }

  /** Hashes a password that meets the policy (`BAD_REQUEST` otherwise) into a PHC string. */
  async hash(password: string): Promise<string> {
    checkPasswordPolicy(password);
    const input = password.normalize('NFKC');
    return this.limiter.run(() => argon2Hash(input, PASSWORD_HASH_PARAMS));
  }

  /**
   * True when `password` matches `hash`. With `hash === null` (no such account) the same
   * work is spent against a fixed dummy hash and the answer is false, so unknown accounts
   * and wrong passwords look alike from outside, in answer and in time.
   */
  async verify(hash: string | null, password: string): Promise<boolean> {
    const usable = typeof password === 'string' && password.length <= MAX_VERIFY_CHARS;
    const input = usable ? password.normalize('NFKC') : '';
    if (hash === null || !usable) {
      const dummy = await this.dummy();
      await this.limiter.run(() => argon2Verify(dummy, input));
      return false;
    }
    try {
      return await this.limiter.run(() => argon2Verify(hash, input));
    } catch (cause) {
      if (cause instanceof TesseraError) throw cause;
      throw new TesseraError('INTERNAL', 'stored password hash is unreadable', { cause });
    }
  }

  /** True when `hash` was made with weaker parameters than today's (rehash after a successful login). */
  needsRehash(hash: string): boolean {
    try {
      const used = parseOptions(hash);
      return (
        used.algorithm !== ARGON2ID || used.memoryCost < PASSWORD_HASH_PARAMS.memoryCost || used.timeCost < PASSWORD_HASH_PARAMS.timeCost
      );
    } catch {
      return true;
    }
  }

  /** Computes the dummy hash now, so the first unknown-account login is not slower. Optional. */
  async warmUp(): Promise<void> {
    await this.dummy();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.limiter
      .run(() => argon2Hash(randomBytes(24).toString('base64url'), PASSWORD_HASH_PARAMS))
      .catch((error: unknown) => {
        this.dummyHash = undefined;
        throw error;
      });
    return this.dummyHash;
  }
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
