import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { idBody, newId, newSecret } from '../ids.js';
import { hashSecret, safeEqual } from '../secrets.js';
import type { ApiKey, ApiKeyKind, Store } from '../store/index.js';

export const SCOPES = ['tokens:write', 'sessions:write', 'users:read', 'users:delete', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

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
    prefix: `${PREFIX[key.kind]}_${idBody(key.id)}`,
  };
}

/** API keys: `sk_<id>_<secret>` for backends, `pk_<id>_<random>` for browsers. Only hashes are stored. */
export class ApiKeys {
  private readonly touchedAt = new Map<string, number>();
  private readonly dummyHash = hashSecret(newSecret());

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateKeyInput): Promise<{ key: ApiKey; plaintext: string }> {
    const scopes = input.kind === 'publishable' ? [] : (input.scopes ?? ['admin']);
    for (const scope of scopes) {
      if (!(SCOPES as readonly string[]).includes(scope)) throw new TesseraError('BAD_REQUEST', `unknown scope ${scope}`);
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
      allowedIps: input.allowedIps ?? null,
      expiresAt: input.expiresAt ?? null,
      createdAt: this.clock.now(),
      revokedAt: null,
      lastUsedAt: null,
      replacedBy: null,
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
    const key = match && match[1] === PREFIX[kind] ? await this.store.apiKeys.get(`key_${match[2]}`) : null;
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

  /** A new key with the same name and powers; the old one keeps working for `graceSeconds`. */
  async rotate(tenantId: string, id: string, graceSeconds = 0): Promise<{ key: ApiKey; plaintext: string }> {
    const old = await this.get(tenantId, id);
    if (old.revokedAt !== null) throw new TesseraError('CONFLICT', 'key is revoked');
    if (old.replacedBy !== null) throw new TesseraError('CONFLICT', 'key was already rotated');
    const fresh = await this.create({ tenantId, name: old.name, kind: old.kind, scopes: old.scopes, allowedIps: old.allowedIps, expiresAt: old.expiresAt });
    const graceEnds = this.clock.now() + graceSeconds * 1000;
    await this.store.apiKeys.markReplaced(old.id, fresh.key.id, old.expiresAt === null ? graceEnds : Math.min(old.expiresAt, graceEnds));
    return fresh;
  }

  async revoke(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.store.apiKeys.revoke(id, this.clock.now());
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
