export interface BackoffOptions {
  /** Upper bound of the first delay. */
  minDelayMs: number;
  /** Cap of every delay. */
  maxDelayMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Full-jitter exponential backoff: a delay drawn uniformly from
 * [0, min(maxDelayMs, minDelayMs * 2^attempt)), attempt counting from 0.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions): number {
  const ceilingMs = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceilingMs);
}
