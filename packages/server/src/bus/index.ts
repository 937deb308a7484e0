export type { Bus, BusEvent } from './bus.js';
export { MemoryBus } from './memory-bus.js';
export type { LimiterFactory, LimiterOptions } from './redis-rate-limiter.js';
export { openRedis, type RedisBackplane } from './redis.js';
export { RateLimits } from './rate-limits.js';
