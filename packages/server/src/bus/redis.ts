import { Redis, type RedisOptions } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { RedisBus } from './redis-bus.js';
import { type LimiterFactory, redisLimiterFactory } from './redis-rate-limiter.js';
import { RedisReplayGuard } from './redis-replay-guard.js';

/** How long a booting node waits for Redis before it starts degraded (and catches up when Redis comes). */
const BOOT_WAIT_MS = 5_000;

export interface RedisBackplane {
  bus: RedisBus;
  /** Rate-limit buckets shared by every node (per-node memory while Redis is down). */
  limiters: LimiterFactory;
  replayGuard: RedisReplayGuard;
  close(): Promise<void>;
}

/** Never gives up reconnecting; backs off to two seconds between tries. */
const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2_000);

/**
 * Everything a node keeps in Redis: the event bus (pub/sub on its own connection),
 * rate-limit counters and single-use ids (on a command connection that fails fast
 * while Redis is down instead of queueing, so requests never hang on it).
 */
export async function openRedis(url: string, deps: { logger: Logger; clock: Clock }): Promise<RedisBackplane> {
  const base: RedisOptions = { retryStrategy, connectTimeout: 5_000, keepAlive: 10_000, lazyConnect: false };
  const command = new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'tessera' });
  const subscriber = new Redis(url, { ...base, autoResubscribe: false, maxRetriesPerRequest: null, connectionName: 'tessera-events' });
  command.on('error', (error: Error) => deps.logger.debug({ err: error }, 'redis error'));

  const bus = new RedisBus({ publisher: command, subscriber, logger: deps.logger });
  if (!(await bus.ready(BOOT_WAIT_MS))) {
    deps.logger.warn(
      { url: redactUrl(url) },
      'redis not reachable at boot: starting degraded (per-node rate limits, sessions read from the database)',
    );
  }
  return {
    bus,
    limiters: redisLimiterFactory(command, deps.logger),
    replayGuard: new RedisReplayGuard(command, deps.clock),
    async close() {
      await bus.close();
      await command.quit().catch(() => command.disconnect());
    },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'invalid url';
  }
}
