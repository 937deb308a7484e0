import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterFactory } from './redis-rate-limiter.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterMs: number;
}

/**
 * Fixed-window counters keyed by anything (a session, an IP, an account): in memory
 * on this node by default, in Redis (shared by every node) when a factory from
 * bus/ is given.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly createLimiter: LimiterFactory = (options) => new RateLimiterMemory(options)) {}

  async consume(bucket: string, key: string, points: number, durationSeconds: number): Promise<RateDecision> {
    const name = `${bucket}:${points}:${durationSeconds}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = this.createLimiter({ keyPrefix: name, points, duration: durationSeconds });
      this.limiters.set(name, limiter);
    }
    try {
      await limiter.consume(key);
      return { allowed: true, retryAfterMs: 0 };
    } catch (result) {
      if (result instanceof RateLimiterRes) return { allowed: false, retryAfterMs: Math.max(result.msBeforeNext, 1) };
      throw result;
    }
  }
}
