import type { RateLimits } from '../bus/index.js';
import { TesseraError } from '../errors.js';
import type { Tenant } from '../store/index.js';
import { DEFAULT_SETTINGS } from './settings.js';

/** Where a new session comes from: the client's address, and the publishable key it named (none for a partner's init token). */
export interface SessionOrigin {
  clientIp: string;
  keyId?: string;
}

/** Who sends a chat message: the session, the visitor behind it (its user, else its anonymous id) and the client's address. */
export interface MessageSender {
  sessionId: string;
  anonymousId: string;
  /** The signed-in user's id: all of a user's sessions share one budget. */
  userId: string | null;
  clientIp: string;
}

type Take = { bucket: string; key: string; points: number; refusal: string };

const WINDOW_SECONDS = 60;

/**
 * What an anonymous visitor may do per minute, so that a new session is no way around a
 * limit: start sessions (per client address and per publishable key) and send messages
 * (per session, per visitor, per client address). The numbers are the tenant's
 * `settings.limits`; the counters are `RateLimits` (shared by every node over Redis when
 * configured), keyed per tenant. The first budget spent refuses with RATE_LIMITED and its
 * Retry-After; the budgets after it are not charged.
 */
export class VisitorLimits {
  constructor(private readonly rateLimits: RateLimits) {}

  /** Before an anonymous (or partner-started) session is created. */
  async admitSessionStart(tenant: Tenant, from: SessionOrigin): Promise<void> {
    const limits = limitsOf(tenant);
    const takes: Take[] = [
      {
        bucket: 'session-starts:address',
        key: `${tenant.id}:${from.clientIp}`,
        points: limits.sessionsPerMinutePerAddress,
        refusal: 'too many new sessions from this address; try again shortly',
      },
    ];
    if (from.keyId !== undefined) {
      takes.push({
        bucket: 'session-starts:key',
        key: from.keyId,
        points: limits.sessionsPerMinutePerKey,
        refusal: 'too many new sessions with this key; try again shortly',
      });
    }
    await this.take(takes);
  }

  /** Before a chat message is stored. */
  async admitMessage(tenant: Tenant, sender: MessageSender): Promise<void> {
    const limits = limitsOf(tenant);
    const visitor = sender.userId !== null ? `user:${sender.userId}` : `anon:${sender.anonymousId}`;
    const refusal = 'too many messages; slow down';
    await this.take([
      { bucket: 'messages', key: sender.sessionId, points: limits.messagesPerMinute, refusal },
      { bucket: 'messages:visitor', key: `${tenant.id}:${visitor}`, points: limits.messagesPerMinute, refusal },
      { bucket: 'messages:address', key: `${tenant.id}:${sender.clientIp}`, points: limits.messagesPerMinutePerAddress, refusal },
    ]);
  }

  private async take(takes: Take[]): Promise<void> {
    for (const { bucket, key, points, refusal } of takes) {
      const decision = await this.rateLimits.consume(bucket, key, points, WINDOW_SECONDS);
      if (!decision.allowed) throw new TesseraError('RATE_LIMITED', refusal, { retryAfterMs: decision.retryAfterMs });
    }
  }
}

/** The tenant's limits, each falling back to its default (settings stored before a limit existed). */
function limitsOf(tenant: Tenant): typeof DEFAULT_SETTINGS.limits {
  return { ...DEFAULT_SETTINGS.limits, ...tenant.settings.limits };
}
