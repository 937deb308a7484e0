import type { TokenPair } from '@tessera/protocol';
import { DEFAULT_STORAGE_KEY, parseTokens, serializeTokens, type TokenStorage } from './token-storage.js';

export interface WebStorageOptions {
  /** Key under which the pair is stored; default `tessera.tokens`. */
  key?: string;
  /** The Storage object; defaults to the page's. */
  storage?: Storage;
  /** Where `storage` events arrive; defaults to `window`. */
  events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
}

/** Tokens in `localStorage`: shared by the tabs of an origin, kept across restarts. */
export function createLocalStorage(options: WebStorageOptions = {}): TokenStorage {
  return createWebStorage(() => options.storage ?? globalThis.localStorage, options);
}

/** Tokens in `sessionStorage`: one session per tab, gone when the tab closes. */
export function createSessionStorage(options: WebStorageOptions = {}): TokenStorage {
  return createWebStorage(() => options.storage ?? globalThis.sessionStorage, options);
}

/**
 * Storage can be missing or throw (private mode, disabled cookies, quota):
 * then the SDK simply works from memory.
 */
function createWebStorage(getStorage: () => Storage | undefined, options: WebStorageOptions): TokenStorage {
  const key = options.key ?? DEFAULT_STORAGE_KEY;
  const attempt = <T>(run: (storage: Storage) => T, fallback: T): T => {
    try {
      const storage = getStorage();
      return storage ? run(storage) : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    load: () => attempt((storage) => parseTokens(storage.getItem(key)), null),
    save: (tokens) => attempt((storage) => storage.setItem(key, serializeTokens(tokens)), undefined),
    clear: () => attempt((storage) => storage.removeItem(key), undefined),
    watch(listener: (tokens: TokenPair | null) => void) {
      const events = options.events ?? (globalThis as { window?: EventTarget }).window;
      if (!events) return () => {};
      const onStorage = (event: Event) => {
        const { key: changed, newValue } = event as StorageEvent;
        if (changed === key || changed === null) listener(parseTokens(changed === null ? null : newValue));
      };
      events.addEventListener('storage', onStorage);
      return () => events.removeEventListener('storage', onStorage);
    },
  };
}
