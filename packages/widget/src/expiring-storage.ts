import { parseTokens, type TokenPair, type TokenStorage } from '@tessera/client';

interface Stored extends TokenPair {
  savedAtMs: number;
}

/**
 * Tokens in localStorage for cross-origin embedding (where the refresh cookie
 * cannot be used), with a short idle lifetime: a pair nobody has refreshed for
 * `maxIdleMs` is dropped instead of loaded. An open page refreshes well within
 * that, so only abandoned tokens age out. Storage that throws (private mode,
 * disabled storage) means memory only.
 */
export function createExpiringLocalStorage(key: string, maxIdleMs: number, now: () => number = Date.now): TokenStorage {
  /** The SDK's own token format, plus when it was saved; too old means gone. */
  const parse = (text: string | null): TokenPair | null => {
    const tokens = parseTokens(text);
    if (!tokens) return null;
    const { savedAtMs } = JSON.parse(text!) as Partial<Stored>;
    return typeof savedAtMs === 'number' && now() - savedAtMs <= maxIdleMs ? tokens : null;
  };
  const attempt = <T>(run: (storage: Storage) => T, fallback: T): T => {
    try {
      return run(localStorage);
    } catch {
      return fallback;
    }
  };
  return {
    load: () =>
      attempt((storage) => {
        const tokens = parse(storage.getItem(key));
        if (!tokens) storage.removeItem(key);
        return tokens;
      }, null),
    save: ({ accessToken, refreshToken, expiresAt }) =>
      attempt((storage) => storage.setItem(key, JSON.stringify({ accessToken, refreshToken, expiresAt, savedAtMs: now() })), undefined),
    clear: () => attempt((storage) => storage.removeItem(key), undefined),
    watch(listener) {
      const onStorage = (event: StorageEvent) => {
        if (event.key === key || event.key === null) listener(parse(event.key === null ? null : event.newValue));
      };
      addEventListener('storage', onStorage);
      return () => removeEventListener('storage', onStorage);
    },
  };
}
