import { DEFAULT_STORAGE_KEY, parseTokens, serializeTokens, type TokenStorage } from './token-storage.js';

/** React Native's AsyncStorage shape. */
export interface AsyncKeyValue {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** Expo SecureStore's shape. */
export interface SecureKeyValue {
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

/**
 * Tokens in an asynchronous key-value store: AsyncStorage, or SecureStore
 * (preferred on devices: the keychain / keystore).
 */
export function createAsyncStorage(store: AsyncKeyValue | SecureKeyValue, options: { key?: string } = {}): TokenStorage {
  // SecureStore keys allow only [A-Za-z0-9._-], which the default key respects.
  const key = options.key ?? DEFAULT_STORAGE_KEY;
  const kv: AsyncKeyValue =
    'getItemAsync' in store
      ? {
          getItem: (k) => store.getItemAsync(k),
          setItem: (k, v) => store.setItemAsync(k, v),
          removeItem: (k) => store.deleteItemAsync(k),
        }
      : store;
  return {
    load: async () => parseTokens(await kv.getItem(key)),
    save: (tokens) => kv.setItem(key, serializeTokens(tokens)),
    clear: () => kv.removeItem(key),
  };
}
