import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';

/**
 * Single-use ids (an init token's `jti`) in Redis: one `SET key 1 PX ttl NX`, so the
 * check and the claim are one atomic step for every node. The key expires with the
 * token. Fails closed: while Redis is unreachable no id is accepted (UNAVAILABLE),
 * since accepting one unchecked could let a token be replayed.
 */
export class RedisReplayGuard {
  constructor(
    private readonly client: Redis,
    private readonly clock: Clock,
    private readonly keyPrefix = 'tessera:jti',
  ) {}

  async claim(id: string, expiresAt: number): Promise<boolean> {
    const ttlMs = Math.max(expiresAt - this.clock.now(), 1_000);
    try {
      const result = await this.client.set(`${this.keyPrefix}:${id}`, '1', 'PX', ttlMs, 'NX');
      return result === 'OK';
    } catch (error) {
      throw new TesseraError('UNAVAILABLE', 'single-use token check unavailable; try again', { cause: error });
    }
  }
}
