import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
  /** When it starts signing; published before that so verifiers' JWKS caches already hold it. */
  activatesAt?: number;
  /** Set when a newer key took over; the public part stays published until its tokens expire. */
  retiredAt: number | null;
}

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** What `crypto.sign` / `crypto.verify` take for this key (ES256 signatures in JWS form, r‖s). */
  signWith: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
  verifyWith: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
  publicJwk: JWK;
  createdAt: number;
  activatesAt: number;
  retiredAt: number | null;
}

export interface RotateOptions {
  alg?: SigningAlgorithm;
  /** Delay before the new key signs; it is published at once. Default 0. */
  activateAfterMs?: number;
}

const FILE = 'signing-keys.json';
/** How often a running node looks for a key rotated by another process (the CLI, another node). */
const RELOAD_CHECK_INTERVAL_MS = 5_000;

/**
 * Our signing key pairs, kept in the data directory (mode 0600). The newest active
 * key signs; a rotated-in key is published before it activates, and a retired one
 * stays published until the tokens it signed have expired.
 */
export class SigningKeyStore {
  private keys: SigningKey[] = [];
  private loadedMtimeMs = 0;
  private checkedAt = 0;

  private constructor(
    private readonly dir: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Loads the keys of `dataDir`, creating the first pair if there is none. `clock` is the
   * store's one clock: it dates every key it creates and is the default "now" below.
   */
  static async open(dataDir: string, clock: Clock, alg: SigningAlgorithm = 'ES256'): Promise<SigningKeyStore> {
    const store = new SigningKeyStore(join(dataDir, 'keys'), clock);
    if (existsSync(store.path)) store.reload();
    else await store.rotate({ alg, activateAfterMs: 0 });
    return store;
  }

  /** The key that signs at `now`: the newest one already active. */
  signingKey(now: number): SigningKey {
    this.reloadIfChanged(now);
    const active = this.keys.filter((key) => key.activatesAt <= now);
    return active.at(-1) ?? this.keys[0];
  }

  /** The key signing now by the store's clock (tools and tests; servers pass their clock's time). */
  get current(): SigningKey {
    return this.signingKey(this.clock.now());
  }

  /** The key with this id; a key removed from the data directory is gone within seconds. */
  byKid(kid: string, now = this.clock.now()): SigningKey | undefined {
    this.reloadIfChanged(now);
    return this.keys.find((key) => key.kid === kid);
  }

  /** Keys whose tokens may be alive or about to be: pending, current, and recently retired ones. */
  published(now: number, maxTokenTtlMs: number): SigningKey[] {
    this.reloadIfChanged(now);
    return this.keys.filter((key) => key.retiredAt === null || key.retiredAt + maxTokenTtlMs > now);
  }

  /**
   * Adds a key that starts signing after `activateAfterMs` (long enough for verifiers
   * to fetch it); the key it replaces retires at that moment but stays verifiable.
   * Timed by the store's clock.
   */
  async rotate(options: RotateOptions = {}): Promise<SigningKey> {
    const alg = options.alg ?? this.keys.at(-1)?.alg ?? 'ES256';
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const privateJwk = await exportJWK(privateKey);
    const now = this.clock.now();
    const activatesAt = now + (options.activateAfterMs ?? 0);
    for (const key of this.keys) key.retiredAt ??= activatesAt;
    const fresh = load({ kid: newId('kid'), alg, privateJwk, createdAt: now, activatesAt, retiredAt: null });
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

  private get path(): string {
    return join(this.dir, FILE);
  }

  private reloadIfChanged(now: number): void {
    if (now - this.checkedAt < RELOAD_CHECK_INTERVAL_MS) return;
    this.checkedAt = now;
    try {
      if (statSync(this.path).mtimeMs !== this.loadedMtimeMs) this.reload();
    } catch {
      // Keep the keys we have; a missing or half-written file is not a reason to stop signing.
    }
  }

  private reload(): void {
    const mtimeMs = statSync(this.path).mtimeMs;
    const stored = JSON.parse(readFileSync(this.path, 'utf8')) as StoredKey[];
    this.keys = stored.map(load);
    this.loadedMtimeMs = mtimeMs;
  }

  private save(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const stored: StoredKey[] = this.keys.map((key) => ({
      kid: key.kid,
      alg: key.alg,
      privateJwk: key.privateKey.export({ format: 'jwk' }) as JWK,
      createdAt: key.createdAt,
      activatesAt: key.activatesAt,
      retiredAt: key.retiredAt,
    }));
    writeFileSync(`${this.path}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
    this.loadedMtimeMs = statSync(this.path).mtimeMs;
  }
}

function load(stored: StoredKey): SigningKey {
  const privateKey = createPrivateKey({ key: stored.privateJwk as never, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: stored.kid, alg: stored.alg, use: 'sig' };
  return {
    kid: stored.kid,
    alg: stored.alg,
    privateKey,
    publicKey,
    signWith: jwsEncoded(stored.alg, privateKey),
    verifyWith: jwsEncoded(stored.alg, publicKey),
    publicJwk,
    createdAt: stored.createdAt,
    activatesAt: stored.activatesAt ?? stored.createdAt,
    retiredAt: stored.retiredAt,
  };
}

function jwsEncoded(alg: SigningAlgorithm, key: KeyObject): SigningKey['signWith'] {
  return alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key;
}
