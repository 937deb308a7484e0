import { sleep, type Clock } from './clock.js';

export type LockMessage = { t: 'claim' | 'held' | 'free'; key: string; tab: string };

export interface BroadcastLockOptions {
  clock: Clock;
  tabId: string;
  post: (message: LockMessage) => void;
  /** How long a claimant listens for rivals before taking the lock. */
  claimWindowMs: number;
  /** A holder silent this long (its tab closed or froze) is presumed gone. */
  holderTimeoutMs: number;
}

export interface BroadcastLock {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  handle(message: LockMessage): void;
}

/**
 * A cross-tab mutex over a BroadcastChannel, for browsers without Web Locks:
 * a tab claims a key, listens for rival claims for `claimWindowMs`, and the
 * smallest tab id wins; the holder announces itself (`held`) to late claimants
 * and keeps doing so while it holds the lock, and says `free` when done.
 */
export function createBroadcastLock(options: BroadcastLockOptions): BroadcastLock {
  const { clock, tabId, post, claimWindowMs, holderTimeoutMs } = options;
  const holders = new Map<string, { tab: string; seenAtMs: number }>();
  const rivals = new Map<string, Set<string>>();
  const mine = new Set<string>();
  const waiters = new Map<string, Set<() => void>>();

  const notify = (key: string) => {
    for (const wake of waiters.get(key) ?? []) wake();
    waiters.delete(key);
  };

  const waitForChange = (key: string, timeoutMs: number) => {
    const { done, wake } = sleep(clock, timeoutMs);
    const set = waiters.get(key) ?? new Set();
    waiters.set(key, set);
    set.add(wake);
    return done;
  };

  async function acquire(key: string): Promise<void> {
    for (;;) {
      const holder = holders.get(key);
      const silentMs = holder ? clock.now() - holder.seenAtMs : Infinity;
      if (silentMs < holderTimeoutMs) {
        await waitForChange(key, holderTimeoutMs - silentMs);
        continue;
      }
      holders.delete(key);
      const seen = new Set<string>();
      rivals.set(key, seen);
      post({ t: 'claim', key, tab: tabId });
      await sleep(clock, claimWindowMs).done;
      rivals.delete(key);
      if (!holders.has(key) && ![...seen].some((rival) => rival < tabId)) {
        mine.add(key);
        post({ t: 'held', key, tab: tabId });
        return;
      }
      // Lost to a rival: give it time to announce itself before claiming again.
      if (!holders.has(key)) await waitForChange(key, claimWindowMs * 2);
    }
  }

  return {
    async run(key, task) {
      await acquire(key);
      let heartbeat: unknown;
      const beat = () => {
        post({ t: 'held', key, tab: tabId });
        heartbeat = clock.setTimeout(beat, holderTimeoutMs / 3);
      };
      heartbeat = clock.setTimeout(beat, holderTimeoutMs / 3);
      try {
        return await task();
      } finally {
        clock.clearTimeout(heartbeat);
        mine.delete(key);
        post({ t: 'free', key, tab: tabId });
      }
    },
    handle({ t, key, tab }) {
      if (t === 'claim') {
        if (mine.has(key)) post({ t: 'held', key, tab: tabId });
        else rivals.get(key)?.add(tab);
      } else if (t === 'held') {
        holders.set(key, { tab, seenAtMs: clock.now() });
        notify(key);
      } else if (holders.get(key)?.tab === tab) {
        holders.delete(key);
        notify(key);
      }
    },
  };
}
