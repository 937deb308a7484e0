import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../src/errors.js';
import { PasswordHasher, checkPasswordPolicy } from '../../src/sign-in/passwords.js';

/** Parses `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`. */
function parsePhc(phc: string) {
  const match = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) throw new Error(`not a PHC argon2 string: ${phc}`);
  const [, algorithm, version, m, t, p, salt, hash] = match;
  return { algorithm, version: Number(version), m: Number(m), t: Number(t), p: Number(p), salt, hash };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function codeOf(error: unknown): string | undefined {
  return error instanceof TesseraError ? error.code : undefined;
}

describe('checkPasswordPolicy', () => {
  it('accepts 8 to 256 characters of anything, with no composition rules', () => {
    for (const ok of ['abcdefgh', 'all lowercase words', '        ', 'пароль-пароль', '🔑🔑🔑🔑🔑🔑🔑🔑', 'x'.repeat(256)]) {
      expect(() => checkPasswordPolicy(ok)).not.toThrow();
    }
  });

  it('refuses too short, too long and non-strings with BAD_REQUEST', () => {
    for (const bad of ['', 'short', '1234567', '🔑🔑🔑🔑🔑🔑🔑', 'x'.repeat(257), undefined, 12345678]) {
      let caught: unknown;
      try {
        checkPasswordPolicy(bad as string);
      } catch (error) {
        caught = error;
      }
      expect(codeOf(caught)).toBe('BAD_REQUEST');
    }
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at or above the OWASP minimum, salted', async () => {
    const first = await hasher.hash('correct horse battery staple');
    const phc = parsePhc(first);
    expect(phc.algorithm).toBe('argon2id');
    expect(phc.version).toBe(19);
    expect(phc.m).toBeGreaterThanOrEqual(19456);
    expect(phc.t).toBeGreaterThanOrEqual(2);
    expect(phc.p).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(phc.salt, 'base64').length).toBeGreaterThanOrEqual(16);
    const second = await hasher.hash('correct horse battery staple');
    expect(second).not.toBe(first);
    expect(hasher.needsRehash(first)).toBe(false);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    await expect(hasher.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'correct horse battery stapl')).resolves.toBe(false);
    await expect(hasher.verify(hash, 'Correct horse battery staple')).resolves.toBe(false);
    await expect(hasher.verify(hash, '')).resolves.toBe(false);
    await expect(hasher.verify(hash, 'x'.repeat(100_000))).resolves.toBe(false);
  });

  it('matches the same password typed in composed or decomposed Unicode', async () => {
    const hash = await hasher.hash('caf\u00e9 au lait');
    await expect(hasher.verify(hash, 'cafe\u0301 au lait')).resolves.toBe(true);
  });

  it('refuses to hash a password outside the policy', async () => {
    await expect(hasher.hash('short')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('reports an unreadable stored hash as INTERNAL, not as a wrong password', async () => {
    await expect(hasher.verify('not-a-hash', 'whatever123')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('flags weaker hashes for rehash', () => {
    expect(hasher.needsRehash(`$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$${'A'.repeat(43)}`)).toBe(true);
    expect(hasher.needsRehash(`$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$${'A'.repeat(43)}`)).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('answers false for an unknown account (null hash), in about the same time as a wrong password', async () => {
    const fresh = new PasswordHasher();
    const hash = await fresh.hash('correct horse battery staple');
    // The very first null verify computes the dummy hash once; time what follows it.
    await expect(fresh.verify(null, 'correct horse battery staple')).resolves.toBe(false);

    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await timed(() => fresh.verify(hash, 'wrong password!')));
      unknown.push(await timed(() => fresh.verify(null, 'wrong password!')));
    }
    await expect(fresh.verify(null, 'wrong password!')).resolves.toBe(false);
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('bounds concurrency: a flood queues, and past maxQueue is refused with RATE_LIMITED', async () => {
    const bounded = new PasswordHasher({ concurrency: 2, maxQueue: 4 });
    const hash = await bounded.hash('correct horse battery staple');
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => bounded.verify(hash, 'correct horse battery staple')));
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    // Exactly 2 running + 4 waiting are served (so no more than 2 ran at once, or more
    // would have been admitted); the other 6 are refused at once.
    expect(fulfilled).toHaveLength(6);
    expect(fulfilled.every((r) => r.status === 'fulfilled' && r.value === true)).toBe(true);
    expect(refused).toHaveLength(6);
    for (const r of refused) {
      const reason = (r as PromiseRejectedResult).reason as TesseraError;
      expect(reason.code).toBe('RATE_LIMITED');
      expect(reason.retryAfterMs).toBeGreaterThan(0);
    }
    // Once the flood has drained, it serves again.
    await expect(bounded.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
  });

  it('hashes off the event loop: timers keep firing during a hash', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      for (let i = 0; i < 4; i++) await hasher.verify(null, 'correct horse battery staple');
      // Four blocking hashes in a row would let at most a tick or two through.
      expect(ticks).toBeGreaterThanOrEqual(4);
    } finally {
      clearInterval(timer);
    }
  });
});
