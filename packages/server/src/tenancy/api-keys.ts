import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { idBody, newId, newSecret } from '../ids.js';
import { hashSecret, safeEqual } from '../secrets.js';
import type { ApiKey, ApiKeyKind, Store } from '../store/index.js';
import type { Audit, Auditor } from './audit.js';
import { parseAllowlist } from './ip-allowlist.js';
import { PublishableKeyCache } from './publishable-key-cache.js';

/**
 * `tokens:exchange` trades a live access or tool token for a (never wider) tool token,
 * `POST /v1/oauth/token`; `tokens:introspect` asks whether a token is live, `POST /v1/oauth/introspect`
 * (a tool API that only checks tokens needs nothing more).
 */
export const SCOPES = [
  'tokens:write',
  'sessions:write',
  'users:read',
  'users:delete',
  'tokens:exchange',
  'tokens:introspect',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];
/** What a secret key created without `scopes` may do; `admin` is always asked for by name (as `tessera init` does). */
export const DEFAULT_SECRET_SCOPES: readonly Scope[] = ['tokens:write'];

const PREFIX: Record<ApiKeyKind, string> = { secret: 'sk', publishable: 'pk' };
const KEY_PATTERN = /^(sk|pk)_([A-Za-z0-9]{20})_([A-Za-z0-9]{32,64})$/;
const TOUCH_INTERVAL_MS = 60_000;

export interface CreateKeyInput {
  tenantId: string;
  name: string;
  kind: ApiKeyKind;
  scopes?: string[];
  allowedIps?: string[] | null;
  expiresAt?: number | null;
  /** This key's own request limit per minute; default: the server's. */
  rateLimitPerMinute?: number | null;
}

/** The public view of a key: never its secret or hash. */
export function describeKey(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    kind: key.kind,
    scopes: key.scopes,
    allowedIps: key.allowedIps,
    expiresAt: key.expiresAt,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
    lastUsedAt: key.lastUsedAt,
    replacedBy: key.replacedBy,
    rateLimitPerMinute: key.rateLimitPerMinute ?? null,
    prefix: `${PREFIX[key.kind]}_${idBody(key.id)}`,
  };
}

/** API keys: `sk_<id>_<secret>` for backends, `pk_<id>_<random>` for browsers. Only hashes are stored. */
export class ApiKeys {
  private readonly touchedAt = new Map<string, number>();
  private readonly dummyHash = hashSecret(newSecret());

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly publishable: PublishableKeyCache;

  constructor(private readonly deps: { store: Store; clock: Clock; audit: Audit; bus: Bus }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.publishable = new PublishableKeyCache(deps);
  }

  async create(input: CreateKeyInput, by?: Auditor): Promise<{ key: ApiKey; plaintext: string }> {
    const created = await this.insert(input);
    const { key } = created;
    await this.deps.audit.by(by, {
      tenantId: key.tenantId,
      action: 'key.created',
      target: key.id,
      details: { name: key.name, kind: key.kind, scopes: key.scopes, allowedIps: key.allowedIps, expiresAt: key.expiresAt },
    });
    return created;
  }

  private async insert(input: CreateKeyInput): Promise<{ key: ApiKey; plaintext: string }> {
    // Least privilege: a secret key made without scopes can mint tokens and nothing else.
    const scopes = input.kind === 'publishable' ? [] : (input.scopes ?? [...DEFAULT_SECRET_SCOPES]);
    for (const scope of scopes) {
      if (!(SCOPES as readonly string[]).includes(scope)) throw new TesseraError('BAD_REQUEST', `unknown scope ${scope}`);
    }
    const allowedIps = input.allowedIps ? parseAllowlist(input.allowedIps) : null;
    if (input.expiresAt != null && input.expiresAt <= this.clock.now()) throw new TesseraError('BAD_REQUEST', 'expiresAt is in the past');
    const rateLimitPerMinute = input.rateLimitPerMinute ?? null;
    if (rateLimitPerMinute !== null && (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1)) {
      throw new TesseraError('BAD_REQUEST', 'rateLimitPerMinute must be a positive integer');
    }
    const id = newId('key');
    const secret = newSecret();
    const key: ApiKey = {
      id,
      tenantId: input.tenantId,
      kind: input.kind,
      name: input.name,
      secretHash: hashSecret(secret),
      scopes,
      allowedIps,
      expiresAt: input.expiresAt ?? null,
      createdAt: this.clock.now(),
      revokedAt: null,
      lastUsedAt: null,
      replacedBy: null,
      rateLimitPerMinute,
    };
    await this.store.apiKeys.insert(key);
    return { key, plaintext: `${PREFIX[input.kind]}_${idBody(id)}_${secret}` };
  }

  /**
   * The key a presented string stands for, or INVALID_API_KEY: one answer, and about
   * the same work, for malformed, unknown, wrong, revoked and expired keys alike.
   */
  async authenticate(presented: string | undefined, kind: ApiKeyKind): Promise<ApiKey> {
    const match = presented ? KEY_PATTERN.exec(presented) : null;
    const key = match && match[1] === PREFIX[kind] ? await this.find(`key_${match[2]}`, kind) : null;
    const matches = safeEqual(key?.secretHash ?? this.dummyHash, hashSecret(match?.[3] ?? ''));
    const now = this.clock.now();
    if (!key || !matches || key.kind !== kind || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) {
      throw new TesseraError('INVALID_API_KEY', 'invalid API key');
    }
    this.touch(key, now);
    return key;
  }

  list(tenantId: string): Promise<ApiKey[]> {
    return this.store.apiKeys.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<ApiKey> {
    const key = await this.store.apiKeys.get(id);
    if (!key || key.tenantId !== tenantId) throw new TesseraError('NOT_FOUND', 'no such key');
    return key;
  }

  /**
   * A new key with the same name and powers; the old one keeps working for `graceSeconds`
   * (0: it stops at once), then answers INVALID_API_KEY. Rotating twice is a CONFLICT,
   * also when two rotations race: exactly one of them wins.
   */
  async rotate(
    tenantId: string,
    id: string,
    graceSeconds = 0,
    by?: Auditor,
  ): Promise<{ key: ApiKey; plaintext: string; graceEndsAt: number }> {
    const old = await this.get(tenantId, id);
    const now = this.clock.now();
    if (old.revokedAt !== null) throw new TesseraError('CONFLICT', 'key is revoked');
    if (old.replacedBy !== null) throw new TesseraError('CONFLICT', 'key was already rotated');
    if (old.expiresAt !== null && old.expiresAt <= now) throw new TesseraError('CONFLICT', 'key has expired');
    const fresh = await this.insert({
      tenantId,
      name: old.name,
      kind: old.kind,
      scopes: old.scopes,
      allowedIps: old.allowedIps,
      expiresAt: old.expiresAt,
      rateLimitPerMinute: old.rateLimitPerMinute,
    });
    const graceEnds = now + graceSeconds * 1000;
    const graceEndsAt = old.expiresAt === null ? graceEnds : Math.min(old.expiresAt, graceEnds);
    if (!(await this.store.apiKeys.markReplaced(old.id, fresh.key.id, graceEndsAt))) {
      await this.store.apiKeys.revoke(fresh.key.id, now);
      throw new TesseraError('CONFLICT', 'key was already rotated');
    }
    await this.changed(old.id);
    await this.deps.audit.by(by, {
      tenantId,
      action: 'key.rotated',
      target: id,
      details: { replacedBy: fresh.key.id, graceSeconds, graceEndsAt },
    });
    return { ...fresh, graceEndsAt };
  }

  /** Revokes a key; it fails on the very next request, on every node. False if it already was. */
  async revoke(tenantId: string, id: string, by?: Auditor): Promise<boolean> {
    await this.get(tenantId, id);
    const revoked = await this.store.apiKeys.revoke(id, this.clock.now());
    await this.changed(id);
    if (revoked) await this.deps.audit.by(by, { tenantId, action: 'key.revoked', target: id });
    return revoked;
  }

  /** The stored key: a publishable one possibly from the cache, a secret one always from the store. */
  private find(id: string, kind: ApiKeyKind): Promise<ApiKey | null> {
    const read = () => this.store.apiKeys.get(id);
    return kind === 'publishable' ? this.publishable.get(id, read) : read();
  }

  /** Drops the cached copy of a key another node changed (`api-key.changed`), or of every key. */
  forget(id?: string): void {
    if (id === undefined) this.publishable.clear();
    else this.publishable.forget(id);
  }

  /** Every node drops what it cached of the key. */
  private async changed(id: string): Promise<void> {
    this.publishable.forget(id);
    await this.deps.bus.publish({ type: 'api-key.changed', keyId: id });
  }

  private touch(key: ApiKey, now: number): void {
    const last = this.touchedAt.get(key.id) ?? 0;
    if (now - last < TOUCH_INTERVAL_MS) return;
    this.touchedAt.set(key.id, now);
    void this.store.apiKeys.touch(key.id, now).catch(() => this.touchedAt.delete(key.id));
  }
}

export function hasScope(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}
