import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { newId } from '../ids.js';
import type { Clock } from '../clock.js';

export type SigningAlgorithm = 'ES256' | 'EdDSA';

interface StoredKey {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JWK;
  createdAt: number;
  /** Set when a newer key took over; the public part stays published until its tokens expire. */
  retiredAt: number | null;
}

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  createdAt: number;
  retiredAt: number | null;
}

const FILE = 'signing-keys.json';

/** Our signing key pairs, kept in the data directory (mode 0600); the newest signs. */
export class SigningKeyStore {
  private keys: SigningKey[];

  private constructor(
    private readonly dir: string,
    keys: SigningKey[],
  ) {
    this.keys = keys;
  }

  /** Loads the keys of `dataDir`, creating the first pair if there is none. */
  static async open(dataDir: string, clock: Clock, alg: SigningAlgorithm = 'ES256'): Promise<SigningKeyStore> {
    const dir = join(dataDir, 'keys');
    const path = join(dir, FILE);
    if (existsSync(path)) {
      const stored = JSON.parse(readFileSync(path, 'utf8')) as StoredKey[];
      return new SigningKeyStore(dir, stored.map(load));
    }
    const store = new SigningKeyStore(dir, []);
    await store.rotate(clock, alg);
    return store;
  }

  get current(): SigningKey {
    return this.keys[this.keys.length - 1];
  }

  byKid(kid: string): SigningKey | undefined {
    return this.keys.find((key) => key.kid === kid);
  }

  /** Keys whose tokens may still be alive: the current one and those retired less than `maxTokenTtlMs` ago. */
  published(now: number, maxTokenTtlMs: number): SigningKey[] {
    return this.keys.filter((key) => key.retiredAt === null || key.retiredAt + maxTokenTtlMs > now);
  }

  /** Adds a new current key; the previous one is retired but kept for verification. */
  async rotate(clock: Clock, alg: SigningAlgorithm = this.keys.at(-1)?.alg ?? 'ES256'): Promise<SigningKey> {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const privateJwk = await exportJWK(privateKey);
    const now = clock.now();
    for (const key of this.keys) key.retiredAt ??= now;
    const fresh = load({ kid: newId('kid'), alg, privateJwk, createdAt: now, retiredAt: null });
    this.keys.push(fresh);
    this.save();
    return fresh;
  }

  /** Forgets keys retired more than `maxTokenTtlMs` ago. */
  prune(now: number, maxTokenTtlMs: number): void {
    const before = this.keys.length;
    this.keys = this.published(now, maxTokenTtlMs);
    if (this.keys.length !== before) this.save();
  }

  private save(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const stored: StoredKey[] = this.keys.map((key) => ({
      kid: key.kid,
      alg: key.alg,
      privateJwk: key.privateKey.export({ format: 'jwk' }) as JWK,
      createdAt: key.createdAt,
      retiredAt: key.retiredAt,
    }));
    const path = join(this.dir, FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }
}

function load(stored: StoredKey): SigningKey {
  const privateKey = createPrivateKey({ key: stored.privateJwk as never, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: stored.kid, alg: stored.alg, use: 'sig' };
  return { kid: stored.kid, alg: stored.alg, privateKey, publicKey, publicJwk, createdAt: stored.createdAt, retiredAt: stored.retiredAt };
}
