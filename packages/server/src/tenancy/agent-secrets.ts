import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { AgentSecret, Store } from '../store/index.js';
import type { Audit, Auditor } from './audit.js';
import { SecretBox } from './secret-box.js';

/** How long a rotated-out secret keeps signing next to the new one. */
export const AGENT_SECRET_OVERLAP_MS = 24 * 3600 * 1000;
/** How long a node signs with the secrets it read before it reads them again (other nodes may rotate). */
const CACHE_TTL_MS = 60_000;
const MAX_CACHED_TENANTS = 10_000;
/** At most this many secrets sign one request (rotations in quick succession). */
const MAX_SIGNING_SECRETS = 5;
const SECRET_BYTES = 24;

export interface AgentSecretsDeps {
  store: Store;
  clock: Clock;
  audit: Audit;
  logger: Logger;
  /** 32 bytes (`loadServerSecret(dataDir, 'agent-secrets')`): the key secrets are sealed with. */
  serverSecret: Buffer;
  /** Called after a rotation, so every node drops what it cached (e.g. `tenants.changed`). */
  onRotated?: (tenantId: string) => Promise<void>;
}

export interface RotatedSecret {
  signingSecret: string;
  /** When the previous secret stops signing; null when there was none. */
  previousSecretExpiresAt: number | null;
}

/** A secret in the Standard Webhooks format: `whsec_` and the base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/**
 * Tenants' agent signing secrets (Standard Webhooks). The plaintext is shown once, when it is
 * made; the store holds it sealed with AES-256-GCM under a server secret, bound to its tenant
 * and row. A rotation keeps the previous secret signing for 24 h. Live secrets are cached per
 * tenant for a minute (a rotation on another node shows here within that, and the old secret
 * signs meanwhile anyway).
 */
export class AgentSecrets {
  private readonly cache = new Map<string, { secrets: Array<{ plaintext: string; retiresAt: number | null }>; until: number }>();

  private readonly box: SecretBox;

  constructor(private readonly deps: AgentSecretsDeps) {
    this.box = new SecretBox(deps.serverSecret);
  }

  /**
   * Makes the tenant's first signing secret unless it has a live one: the plaintext (to show
   * once), or null when one already signs.
   */
  async ensure(tenantId: string, by?: Auditor): Promise<string | null> {
    const now = this.deps.clock.now();
    if ((await this.deps.store.agentSecrets.listLive(tenantId, now)).length > 0) return null;
    const signingSecret = await this.insert(tenantId, now);
    await this.deps.audit.by(by, { tenantId, action: 'agent_secret.created', target: tenantId });
    return signingSecret;
  }

  /** A new signing secret; the current one keeps signing for 24 h. */
  async rotate(tenantId: string, by?: Auditor): Promise<RotatedSecret> {
    const now = this.deps.clock.now();
    const hadOne = (await this.deps.store.agentSecrets.listLive(tenantId, now)).some((secret) => secret.retiresAt === null);
    const previousSecretExpiresAt = hadOne ? now + AGENT_SECRET_OVERLAP_MS : null;
    const signingSecret = await this.insert(tenantId, now);
    this.invalidate(tenantId);
    await this.deps.onRotated?.(tenantId);
    await this.deps.audit.by(by, {
      tenantId,
      action: 'agent_secret.rotated',
      target: tenantId,
      details: { previousExpiresAt: previousSecretExpiresAt },
    });
    return { signingSecret, previousSecretExpiresAt };
  }

  /** The plaintext secrets that sign a request to the tenant's agent now, newest first; empty when none. */
  async signing(tenantId: string): Promise<string[]> {
    const now = this.deps.clock.now();
    let cached = this.cache.get(tenantId);
    if (!cached || cached.until <= now) {
      const secrets = (await this.deps.store.agentSecrets.listLive(tenantId, now)).slice(0, MAX_SIGNING_SECRETS).flatMap((secret) => {
        const plaintext = this.open(secret);
        return plaintext === null ? [] : [{ plaintext, retiresAt: secret.retiresAt }];
      });
      cached = { secrets, until: now + CACHE_TTL_MS };
      // An empty answer is not cached: a secret made on another node signs at once.
      if (secrets.length > 0) this.remember(tenantId, cached);
    }
    return cached.secrets.filter((secret) => secret.retiresAt === null || secret.retiresAt > now).map((secret) => secret.plaintext);
  }

  /** Drops what this node cached of the tenant's secrets. */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async insert(tenantId: string, now: number): Promise<string> {
    const signingSecret = newSigningSecret();
    const id = newId('whsec');
    const record: AgentSecret = { id, tenantId, secretSealed: this.seal(signingSecret, tenantId, id), createdAt: now, retiresAt: null };
    await this.deps.store.agentSecrets.rotate(record, now + AGENT_SECRET_OVERLAP_MS);
    return signingSecret;
  }

  private remember(tenantId: string, entry: { secrets: Array<{ plaintext: string; retiresAt: number | null }>; until: number }): void {
    if (this.cache.size >= MAX_CACHED_TENANTS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(tenantId, entry);
  }

  private seal(plaintext: string, tenantId: string, id: string): string {
    return this.box.seal(plaintext, `${tenantId}:${id}`);
  }

  /** The plaintext of a stored secret, or null (logged) when it cannot be opened with this server's secret. */
  private open(secret: AgentSecret): string | null {
    try {
      return this.box.open(secret.secretSealed, `${secret.tenantId}:${secret.id}`);
    } catch {
      this.deps.logger.error({ tenantId: secret.tenantId, secretId: secret.id }, 'an agent signing secret could not be opened');
      return null;
    }
  }
}
