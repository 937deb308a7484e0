import type { Logger } from 'pino';
import type { Audit } from './audit.js';
import { TesseraError } from '../errors.js';
import type { RateLimits } from '../bus/index.js';
import type { ApiKey, ApiKeyKind } from '../store/index.js';
import { type ApiKeys, hasScope, type Scope } from './api-keys.js';
import { ipAllowed } from './ip-allowlist.js';
import type { SpikeGuard } from './spike-guard.js';

export interface ApiKeyAccessDeps {
  apiKeys: ApiKeys;
  rateLimits: RateLimits;
  spikeGuard: SpikeGuard;
  audit: Audit;
  logger: Logger;
  /** A secret key's requests per minute unless the key sets its own. */
  defaultRequestsPerMinute: number;
}

/**
 * Everything a presented API key must pass, in order: it is genuine, live, of the
 * right kind (INVALID_API_KEY); the caller's address is in its allowlist (FORBIDDEN,
 * not counted against the key); for secret keys, its rate limit and spike guard
 * (RATE_LIMITED with Retry-After); and the scope the route needs (FORBIDDEN).
 * A revocation or rotation counts from the next request on every node (see publishable-key-cache.ts).
 */
export class ApiKeyAccess {
  constructor(private readonly deps: ApiKeyAccessDeps) {}

  async admit(presented: string | undefined, kind: ApiKeyKind, options: { clientIp: string; scope?: Scope }): Promise<ApiKey> {
    const key = await this.deps.apiKeys.authenticate(presented, kind);
    if (key.allowedIps && !ipAllowed(key.allowedIps, options.clientIp)) {
      throw new TesseraError('FORBIDDEN', `this key may not be used from ${options.clientIp}`);
    }
    if (kind === 'secret') await this.meter(key);
    if (options.scope && !hasScope(key, options.scope)) throw new TesseraError('FORBIDDEN', `key lacks scope ${options.scope}`);
    return key;
  }

  private async meter(key: ApiKey): Promise<void> {
    const verdict = this.deps.spikeGuard.hit(key.id);
    if (!verdict.allowed) {
      if (verdict.started) {
        this.deps.logger.warn(
          { keyId: key.id, count: verdict.count, baseline: verdict.baseline },
          'API key throttled: request rate spiked',
        );
        await this.deps.audit.record({
          tenantId: key.tenantId,
          actor: 'system',
          action: 'key.throttled',
          target: key.id,
          details: {
            reason: 'spike',
            requestsThisMinute: verdict.count,
            baselinePerMinute: Math.round(verdict.baseline * 100) / 100,
            thresholdPerMinute: Math.round(verdict.threshold * 100) / 100,
            throttledForSeconds: Math.ceil(verdict.retryAfterMs / 1000),
          },
        });
      }
      throw new TesseraError('RATE_LIMITED', 'this key is throttled: its request rate jumped far above its usual rate', {
        retryAfterMs: verdict.retryAfterMs,
      });
    }
    const limit = key.rateLimitPerMinute ?? this.deps.defaultRequestsPerMinute;
    const decision = await this.deps.rateLimits.consume('api-key', key.id, limit, 60);
    if (!decision.allowed) {
      throw new TesseraError('RATE_LIMITED', `this key is limited to ${limit} requests a minute`, { retryAfterMs: decision.retryAfterMs });
    }
  }
}
