import { afterEach, describe, expect, it } from 'vitest';
import type { TokenPair } from '@tessera/protocol';
import { createLocalStorage } from '../src/storage/web-storage.js';
import { createMemoryStorage } from '../src/storage/memory-storage.js';
import type { LockManagerLike } from '../src/tab-coordinator.js';
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../src/token-manager.js';
import { fakeFetch } from './support/fake-fetch.js';
import { makePair } from './support/tokens.js';

// These run on the real clock: BroadcastChannel delivery is real and asynchronous.
const managers: TokenManager[] = [];
let channelSerial = 0;

afterEach(() => {
  for (const manager of managers.splice(0)) manager.stop();
});

/** A refresh endpoint answering after `delayMs`, counting its calls. */
function refreshServer(delayMs = 30) {
  return fakeFetch(async () => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { body: makePair(Date.now()) };
  });
}

function tab(options: Partial<TokenManagerOptions>, crossTab: TokenManagerOptions['crossTab']) {
  const manager = createTokenManager({
    baseUrl: 'https://tessera.test',
    watchEnvironment: false,
    crossTab,
    ...options,
  });
  managers.push(manager);
  return manager;
}

/** The Web Locks API, for one "browser" (shared by its tabs). */
function fakeLocks(): LockManagerLike & { grants: number } {
  const tails = new Map<string, Promise<unknown>>();
  const locks = {
    grants: 0,
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      const previous = tails.get(name) ?? Promise.resolve();
      const run = previous.then(() => {
        locks.grants++;
        return callback();
      });
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
  return locks;
}

/**
 * A BroadcastChannel that tells when a tab has handled a message: `handled(match)` resolves
 * once the tab's own listener has returned from a message matching it.
 */
function handledMessages() {
  const seen: unknown[] = [];
  const waiting: Array<{ match: (message: any) => boolean; resolve: () => void }> = [];
  class WatchedChannel extends BroadcastChannel {
    override set onmessage(handler: ((event: MessageEvent) => void) | null) {
      super.onmessage = handler
        ? (event: MessageEvent) => {
            handler(event);
            seen.push(event.data);
            for (const waiter of waiting.filter((w) => w.match(event.data))) {
              waiting.splice(waiting.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
        : null;
    }
    override get onmessage() {
      return super.onmessage;
    }
  }
  return {
    BroadcastChannel: WatchedChannel,
    handled(match: (message: any) => boolean, timeoutMs = 5000): Promise<void> {
      if (seen.some(match)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the tab never handled the awaited message')), timeoutMs);
        waiting.push({
          match,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

describe('across tabs', () => {
  it('two tabs sharing a BroadcastChannel refresh once; the other adopts the result', async () => {
    const { fetch, calls } = refreshServer();
    const name = `tessera-test-${++channelSerial}`;
    const initial = makePair(Date.now());
    const a = tab({ fetch, initialTokens: initial }, { name, locks: null });
    const b = tab({ fetch, initialTokens: initial }, { name, locks: null });
    await Promise.all([a.start(), b.start()]);

    const [fromA, fromB] = await Promise.all([a.refresh(), b.refresh()]);
    expect(calls).toHaveLength(1);
    expect(fromA.accessToken).toBe(fromB.accessToken);
    expect(a.current()).toEqual(b.current());
    expect(a.current()!.accessToken).not.toBe(initial.accessToken);
  });

  it('several tabs, each with its own 10 concurrent callers, still cause one refresh', async () => {
    const { fetch, calls } = refreshServer();
    const name = `tessera-test-${++channelSerial}`;
    const initial = makePair(Date.now());
    const tabs = Array.from({ length: 4 }, () => tab({ fetch, initialTokens: initial }, { name, locks: null }));
    await Promise.all(tabs.map((t) => t.start()));
    const results = await Promise.all(tabs.flatMap((t) => Array.from({ length: 10 }, () => t.refresh())));
    expect(calls).toHaveLength(1);
    expect(new Set(results.map((pair) => pair.accessToken)).size).toBe(1);
  });

  it('with Web Locks, the tab that waited for the lock adopts the broadcast pair', async () => {
    const { fetch, calls } = refreshServer();
    const name = `tessera-test-${++channelSerial}`;
    const locks = fakeLocks();
    const initial = makePair(Date.now());
    const a = tab({ fetch, initialTokens: initial }, { name, locks });
    const b = tab({ fetch, initialTokens: initial }, { name, locks });
    await Promise.all([a.start(), b.start()]);
    const [fromA, fromB] = await Promise.all([a.refresh(), b.refresh()]);
    expect(locks.grants).toBe(2);
    expect(calls).toHaveLength(1);
    expect(fromA).toEqual(fromB);
  });

  it('tabs of different sessions do not adopt each other’s tokens', async () => {
    const { fetch, calls } = refreshServer(5);
    const name = `tessera-test-${++channelSerial}`;
    const bChannel = handledMessages();
    const a = tab({ fetch, initialTokens: makePair(Date.now(), 15 * 60_000, { sid: 'sess_a' }) }, { name, locks: null });
    const b = tab(
      { fetch, initialTokens: makePair(Date.now(), 15 * 60_000, { sid: 'sess_b' }) },
      { name, locks: null, BroadcastChannel: bChannel.BroadcastChannel },
    );
    await Promise.all([a.start(), b.start()]);
    const before = b.current();
    const fresh = await a.refresh();
    // Wait until b has handled a's broadcast of the new pair: only then can "not adopted" mean anything.
    await bChannel.handled((message) => message?.t === 'tokens' && message.tokens?.accessToken === fresh.accessToken);
    expect(calls).toHaveLength(1);
    expect(b.current()).toBe(before);
  });

  it('without BroadcastChannel or Web Locks, the storage event carries the new pair to the other tab', async () => {
    const events = new EventTarget();
    const data = new Map<string, string>();
    const storage = {
      getItem: (key: string) => data.get(key) ?? null,
      setItem: (key: string, value: string) => {
        const oldValue = data.get(key) ?? null;
        data.set(key, value);
        if (oldValue === value) return;
        // The browser fires `storage` in the *other* tabs; here both listen, which is harmless.
        const event = Object.assign(new Event('storage'), { key, newValue: value, oldValue });
        queueMicrotask(() => events.dispatchEvent(event));
      },
      removeItem: (key: string) => void data.delete(key),
    } as unknown as Storage;
    const { fetch, calls } = refreshServer(5);
    const initial = makePair(Date.now());
    const a = tab({ fetch, storage: createLocalStorage({ storage, events }), initialTokens: initial }, false);
    const b = tab({ fetch, storage: createLocalStorage({ storage, events }) }, false);
    await a.start();
    await b.start();
    expect(b.current()).toEqual(initial);
    const fresh: TokenPair = await a.refresh();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(b.current()).toEqual(fresh);
    // b's own refresh, once due, starts from the adopted pair (never the rotated one).
    await b.refresh();
    expect(calls.map((call) => call.body.refreshToken)).toEqual([initial.refreshToken, fresh.refreshToken]);
  });

  it('memory storage without coordination still works for a single tab', async () => {
    const { fetch, calls } = refreshServer(1);
    const manager = tab({ fetch, storage: createMemoryStorage(), initialTokens: makePair(Date.now()) }, false);
    await manager.refresh();
    expect(calls).toHaveLength(1);
  });
});
