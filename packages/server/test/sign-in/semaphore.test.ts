import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../src/errors.js';
import { Semaphore } from '../../src/sign-in/semaphore.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Semaphore', () => {
  it('never runs more than `concurrency` tasks at once and runs them all', async () => {
    const semaphore = new Semaphore({ concurrency: 3, maxQueue: 100 });
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    const task = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick();
      inFlight--;
      done++;
    };
    await Promise.all(Array.from({ length: 40 }, () => semaphore.run(task)));
    expect(maxInFlight).toBe(3);
    expect(done).toBe(40);
    expect(semaphore.active).toBe(0);
    expect(semaphore.queued).toBe(0);
  });

  it('runs waiting tasks in arrival order', async () => {
    const semaphore = new Semaphore({ concurrency: 1, maxQueue: 10 });
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((n) =>
        semaphore.run(async () => {
          await tick();
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses past the queue bound with RATE_LIMITED and a retry hint, then recovers', async () => {
    const semaphore = new Semaphore({ concurrency: 2, maxQueue: 3, name: 'hashing' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const accepted = Array.from({ length: 5 }, () => semaphore.run(() => gate));
    expect(semaphore.active).toBe(2);
    expect(semaphore.queued).toBe(3);

    const refused = await semaphore.run(async () => 'never').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TesseraError);
    expect((refused as TesseraError).code).toBe('RATE_LIMITED');
    expect((refused as TesseraError).retryAfterMs).toBeGreaterThan(0);
    expect((refused as TesseraError).message).toMatch(/hashing/);

    release();
    await Promise.all(accepted);
    await expect(semaphore.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('frees the slot when a task throws', async () => {
    const semaphore = new Semaphore({ concurrency: 1, maxQueue: 1 });
    await expect(semaphore.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(semaphore.active).toBe(0);
    await expect(semaphore.run(async () => 1)).resolves.toBe(1);
  });

  it('rejects nonsense options at construction', () => {
    expect(() => new Semaphore({ concurrency: 0, maxQueue: 1 })).toThrow(TypeError);
    expect(() => new Semaphore({ concurrency: 1.5, maxQueue: 1 })).toThrow(TypeError);
    expect(() => new Semaphore({ concurrency: 1, maxQueue: -1 })).toThrow(TypeError);
  });
});
