import type { RateLimits } from '../bus/index.js';
import { TesseraError } from '../errors.js';

export interface Limit {
  points: number;
  durationSeconds: number;
}

/** Takes one point of `key`'s `limit` in `bucket`: RATE_LIMITED (with when to retry) once they are used up. */
export async function throttle(rateLimits: RateLimits, bucket: string, key: string, limit: Limit, what = 'attempts'): Promise<void> {
  const decision = await rateLimits.consume(bucket, key, limit.points, limit.durationSeconds);
  if (!decision.allowed)
    throw new TesseraError('RATE_LIMITED', `too many ${what}; try again later`, { retryAfterMs: decision.retryAfterMs });
}
