import { describe, expect, it } from 'vitest';
import { ExpiryTimers } from '../../src/gateway/expiry-timers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A socket stand-in that notes when it was ended. */
function member() {
  const started = performance.now();
  return {
    expiredAfterMs: null as number | null,
    expire() {
      this.expiredAfterMs = performance.now() - started;
    },
  };
}

describe('expiry timers: sockets end when their token does', () => {
  it('ends a socket at its expiry, not before, and within the second after', async () => {
    const now = 1_800_000_000_000;
    const timers = new ExpiryTimers({ now: () => now });
    const socket = member();
    timers.schedule(socket, now / 1000 + 1);
    await sleep(2100);
    expect(socket.expiredAfterMs).toBeGreaterThanOrEqual(1000);
    expect(socket.expiredAfterMs).toBeLessThan(2100);
    timers.clear();
  });

  it('a cancelled socket is not ended; another in the same second still is', async () => {
    const now = 1_800_000_000_000;
    const timers = new ExpiryTimers({ now: () => now });
    const [kept, refreshed] = [member(), member()];
    timers.schedule(kept, now / 1000);
    timers.cancel(refreshed, timers.schedule(refreshed, now / 1000));
    await sleep(1100);
    expect(kept.expiredAfterMs).not.toBeNull();
    expect(refreshed.expiredAfterMs).toBeNull();
    timers.clear();
  });

  it('reads the delay from the clock when each socket is scheduled, also when the clock has moved', async () => {
    let now = 1_800_000_000_000;
    const timers = new ExpiryTimers({ now: () => now });
    const exp = now / 1000 + 900;
    const early = member();
    timers.schedule(early, exp);
    // The clock jumps (a test's manual clock, a corrected wall clock): the same `exp` is now 300 ms away.
    now = exp * 1000 - 300;
    const late = member();
    timers.schedule(late, exp);
    await sleep(1500);
    expect(late.expiredAfterMs).toBeGreaterThanOrEqual(300);
    expect(early.expiredAfterMs).toBeNull();
    timers.clear();
  });

  it('clear stops every timer (shutdown)', async () => {
    const now = 1_800_000_000_000;
    const timers = new ExpiryTimers({ now: () => now });
    const socket = member();
    timers.schedule(socket, now / 1000);
    timers.clear();
    await sleep(1100);
    expect(socket.expiredAfterMs).toBeNull();
  });
});
