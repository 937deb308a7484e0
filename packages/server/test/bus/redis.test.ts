import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, MemoryBus, openRedis, type RedisBackplane } from '../../src/bus/index.js';
import { systemClock } from '../../src/clock.js';
import { RateLimits } from '../../src/bus/rate-limits.js';
import { TEST_REDIS_URL } from '../support/postgres.js';
import { type RedisServer, sleep, startRedisServer } from '../support/services.js';

/** A pino logger whose lines a test can read. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await sleep(10);
  }
}

const event = (sessionId: string): BusEvent => ({ type: 'session.changed', sessionId, reason: 'logged_out' });

describe('MemoryBus', () => {
  it('delivers in process, synchronously, and is always reliable', async () => {
    const bus = new MemoryBus();
    const seen: BusEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    await bus.publish(event('sess_1'));
    expect(seen).toEqual([event('sess_1')]);
    expect(bus.reliable).toBe(true);
  });
});

describe.skipIf(!TEST_REDIS_URL)('Redis backplane (shared test Redis)', () => {
  let a: RedisBackplane;
  let b: RedisBackplane;
  beforeAll(async () => {
    a = await openRedis(TEST_REDIS_URL!, { logger: pino({ level: 'silent' }), clock: systemClock });
    b = await openRedis(TEST_REDIS_URL!, { logger: pino({ level: 'silent' }), clock: systemClock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a publish on node A reaches node B once, and A’s own subscribers once (in process)', async () => {
    const seenA: BusEvent[] = [];
    const seenB: BusEvent[] = [];
    a.bus.subscribe((e) => seenA.push(e));
    b.bus.subscribe((e) => seenB.push(e));
    expect(a.bus.reliable && b.bus.reliable).toBe(true);
    const id = `sess_${Date.now()}`;
    await a.bus.publish(event(id));
    expect(seenA.filter((e) => e.type === 'session.changed' && e.sessionId === id)).toHaveLength(1);
    await eventually(() => seenB.some((e) => e.type === 'session.changed' && e.sessionId === id));
    await sleep(100);
    expect(seenA.filter((e) => e.type === 'session.changed' && e.sessionId === id)).toHaveLength(1);
    expect(seenB.filter((e) => e.type === 'session.changed' && e.sessionId === id)).toHaveLength(1);
  });

  it('shares rate limits across nodes', async () => {
    const limitsA = new RateLimits(a.limiters);
    const limitsB = new RateLimits(b.limiters);
    const key = `k_${Date.now()}_${Math.random()}`;
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await (i % 2 === 0 ? limitsA : limitsB).consume('test', key, 4, 60));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false, false]);
    expect(decisions[4]!.retryAfterMs).toBeGreaterThan(0);
  });

  it('single-use ids: of 20 concurrent claims over two nodes exactly one wins', async () => {
    const id = `jti_${Date.now()}_${Math.random()}`;
    const expiresAt = Date.now() + 60_000;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).replayGuard.claim(id, expiresAt)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe.skipIf(!TEST_REDIS_URL)('Redis backplane when Redis goes away (a redis-server of its own)', () => {
  let redis: RedisServer | null;
  let a: RedisBackplane;
  let b: RedisBackplane;
  const logA = capturingLogger();
  beforeAll(async () => {
    redis = await startRedisServer();
    if (!redis) return;
    a = await openRedis(redis.url, { logger: logA.logger, clock: systemClock });
    b = await openRedis(redis.url, { logger: pino({ level: 'silent' }), clock: systemClock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.destroy();
  });

  it('reports unreliable while down, degrades rate limits to local with a warning, fails closed on single-use ids, and recovers', async (context) => {
    if (!redis) context.skip();
    const changes: boolean[] = [];
    b.bus.onReliabilityChange((reliable) => changes.push(reliable));
    const seenB: BusEvent[] = [];
    b.bus.subscribe((e) => seenB.push(e));
    const limits = new RateLimits(a.limiters);

    await redis!.stop();
    await eventually(() => !a.bus.reliable && !b.bus.reliable);
    expect(changes).toEqual([false]);

    // Rate limits still hold, per node, and the degradation is logged.
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push((await limits.consume('down', 'key', 3, 60)).allowed);
    expect(decisions).toEqual([true, true, true, false]);
    expect(logA.warnings().some((m) => /rate limits degraded/.test(m))).toBe(true);

    // Single-use ids cannot be checked: refused, never accepted unchecked.
    await expect(a.replayGuard.claim('jti_down', Date.now() + 60_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    // A publish meanwhile still reaches this node's own subscribers (and does not hang).
    const seenA: BusEvent[] = [];
    a.bus.subscribe((e) => seenA.push(e));
    await a.bus.publish(event('sess_during_outage'));
    expect(seenA).toEqual([event('sess_during_outage')]);

    await redis!.start();
    await eventually(() => a.bus.reliable && b.bus.reliable, 10_000);
    expect(changes).toEqual([false, true]);
    // Events flow again (what B missed meanwhile it makes up for by dropping caches and re-checking sockets).
    const id = `sess_${Date.now()}`;
    await a.bus.publish(event(id));
    await eventually(() => seenB.some((e) => e.type === 'session.changed' && e.sessionId === id));
    expect(await a.replayGuard.claim('jti_up', Date.now() + 60_000)).toBe(true);
    await eventually(() => logA.lines.some((l) => /rate limits are shared/.test(l.msg)), 10_000);
  });
});
