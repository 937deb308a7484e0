import type { RateLimits } from '../bus/index.js';
import { TesseraError } from '../errors.js';

export interface Limit {
  points: number;
  durationSeconds: number;
}

/** Sign-in mail (codes, links) each address may be sent, and each client address may ask for. */
export const MAIL_SENDS_PER_ADDRESS: Limit = { points: 5, durationSeconds: 15 * 60 };
export const MAIL_SENDS_PER_IP: Limit = { points: 20, durationSeconds: 10 * 60 };

/** Takes one point of `key`'s `limit` in `bucket`: RATE_LIMITED (with when to retry) once they are used up. */
export async function throttle(rateLimits: RateLimits, bucket: string, key: string, limit: Limit, what = 'attempts'): Promise<void> {
  const decision = await rateLimits.consume(bucket, key, limit.points, limit.durationSeconds);
  if (!decision.allowed)
    throw new TesseraError('RATE_LIMITED', `too many ${what}; try again later`, { retryAfterMs: decision.retryAfterMs });
}
