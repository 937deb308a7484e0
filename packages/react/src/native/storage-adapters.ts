import { createAsyncStorage, type TokenStorage } from '@tessera/client';

/** What `@react-native-async-storage/async-storage`'s default export offers (the part used here). */
export interface AsyncStorageModule {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** What `expo-secure-store` exports (the part used here): the device keychain / keystore. */
export interface SecureStoreModule {
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

export interface NativeStorageOptions {
  /** The key the pair is kept under; SecureStore allows only letters, digits, `.`, `-` and `_`. Default `tessera.tokens`. */
  key?: string;
}

/** Tokens in AsyncStorage: `storage: asyncStorageAdapter(AsyncStorage)`. Unencrypted: prefer SecureStore for the refresh token. */
export function asyncStorageAdapter(AsyncStorage: AsyncStorageModule, options: NativeStorageOptions = {}): TokenStorage {
  return createAsyncStorage(
    {
      getItem: (k) => AsyncStorage.getItem(k),
      setItem: (k, v) => AsyncStorage.setItem(k, v),
      removeItem: (k) => AsyncStorage.removeItem(k),
    },
    options,
  );
}

/** Tokens in the keychain / keystore: `storage: secureStoreAdapter(SecureStore)` (`import * as SecureStore from 'expo-secure-store'`). */
export function secureStoreAdapter(SecureStore: SecureStoreModule, options: NativeStorageOptions = {}): TokenStorage {
  return createAsyncStorage(
    {
      getItemAsync: (k) => SecureStore.getItemAsync(k),
      setItemAsync: (k, v) => SecureStore.setItemAsync(k, v),
      deleteItemAsync: (k) => SecureStore.deleteItemAsync(k),
    },
    options,
  );
}
