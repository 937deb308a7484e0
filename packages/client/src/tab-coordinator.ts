import type { TokenPair } from '@tessera/protocol';
import { createBroadcastLock, type LockMessage } from './broadcast-lock.js';
import type { Clock } from './clock.js';
import { randomId } from './random-id.js';

/** The part of the Web Locks API we use (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export type BroadcastChannelLike = Pick<BroadcastChannel, 'postMessage' | 'close'> & {
  onmessage: ((event: MessageEvent) => void) | null;
};

export interface TabCoordinatorOptions {
  /** Channel and lock name; tabs with the same name coordinate. */
  name: string;
  clock: Clock;
  /** Web Locks; defaults to `navigator.locks`. `null` disables. */
  locks?: LockManagerLike | null;
  /** Defaults to the global BroadcastChannel. `null` disables. */
  BroadcastChannel?: (new (name: string) => BroadcastChannelLike) | null;
  claimWindowMs?: number;
  holderTimeoutMs?: number;
}

/** Makes the tabs of one browser refresh a session once and share the result. */
export interface TabCoordinator {
  /** Runs `task` while no other tab runs one for the same key. */
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Tells the other tabs about a new pair for a session key. */
  publish(key: string, tokens: TokenPair): void;
  subscribe(listener: (key: string, tokens: TokenPair) => void): () => void;
  close(): void;
}

type Message = LockMessage | { t: 'tokens'; key: string; tab: string; tokens: TokenPair };

export function createTabCoordinator(options: TabCoordinatorOptions): TabCoordinator {
  const { name, clock } = options;
  const tabId = randomId();
  const locks = options.locks === undefined ? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks : options.locks;
  const Channel = options.BroadcastChannel === undefined ? globalThis.BroadcastChannel : options.BroadcastChannel;
  const channel = Channel ? new Channel(name) : null;
  const listeners = new Set<(key: string, tokens: TokenPair) => void>();
  const post = (message: Message) => channel?.postMessage(message);
  const broadcastLock =
    channel && !locks
      ? createBroadcastLock({
          clock,
          tabId,
          post,
          claimWindowMs: options.claimWindowMs ?? 50,
          holderTimeoutMs: options.holderTimeoutMs ?? 10_000,
        })
      : null;

  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const message = event.data as Message | null;
      if (!message || typeof message.key !== 'string' || message.tab === tabId) return;
      if (message.t === 'tokens') for (const listener of [...listeners]) listener(message.key, message.tokens);
      else broadcastLock?.handle(message);
    };
  }

  return {
    withLock(key, task) {
      if (locks) return locks.request(`${name}:${key}`, task);
      if (broadcastLock) return broadcastLock.run(key, task);
      return task();
    },
    publish(key, tokens) {
      post({ t: 'tokens', key, tab: tabId, tokens });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      if (channel) {
        channel.onmessage = null;
        channel.close();
      }
    },
  };
}
