import type { Redis } from 'ioredis';
import { type IRateLimiterOptions, RateLimiterMemory, type RateLimiterAbstract, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../logger.js';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
}

/** Makes the limiter behind one rate-limit bucket (see rate-limits.ts). */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

/**
 * Limiters whose counters live in Redis, so a limit holds across every node. While
 * Redis is unreachable each limiter falls back to an in-memory one on this node
 * (rate-limiter-flexible's insurance limiter): limits keep working, per node, and a
 * warning is logged once per outage.
 */
export function redisLimiterFactory(client: Redis, logger: Logger, keyPrefix = 'tessera:rl'): LimiterFactory {
  let degraded = false;
  client.on('ready', () => {
    if (!degraded) return;
    degraded = false;
    logger.info('redis reachable again: rate limits are shared across nodes');
  });
  const warnOnce = () => {
    if (degraded) return;
    degraded = true;
    logger.warn('redis unreachable: rate limits degraded to per-node memory until it returns');
  };

  return (options) => {
    const insurance = new LocalFallbackLimiter(options, warnOnce);
    const limiterOptions: IRateLimiterOptions & { storeClient: Redis; rejectIfRedisNotReady: boolean } = {
      storeClient: client,
      keyPrefix: `${keyPrefix}:${options.keyPrefix}`,
      points: options.points,
      duration: options.duration,
      insuranceLimiter: insurance,
      rejectIfRedisNotReady: true,
    };
    return new RateLimiterRedis(limiterOptions);
  };
}

/** The in-memory limiter used while Redis is down; says so the first time it is used. */
class LocalFallbackLimiter extends RateLimiterMemory {
  constructor(
    options: LimiterOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.onUse();
    return super.consume(...args);
  }
}
