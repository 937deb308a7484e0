import { type AsyncKeyValue, createAsyncStorage, type SecureKeyValue, type TokenStorage } from '@tessera/client';

/** What `@react-native-async-storage/async-storage`'s default export offers (the part used here). */
export type AsyncStorageModule = AsyncKeyValue;

/** What `expo-secure-store` exports (the part used here): the device keychain / keystore. */
export type SecureStoreModule = SecureKeyValue;

export interface NativeStorageOptions {
  /** The key the pair is kept under; SecureStore allows only letters, digits, `.`, `-` and `_`. Default `tessera.tokens`. */
  key?: string;
}

/** Tokens in AsyncStorage: `storage: asyncStorageAdapter(AsyncStorage)`. Unencrypted: prefer SecureStore for the refresh token. */
export function asyncStorageAdapter(AsyncStorage: AsyncStorageModule, options: NativeStorageOptions = {}): TokenStorage {
  return createAsyncStorage(AsyncStorage, options);
}

/** Tokens in the keychain / keystore: `storage: secureStoreAdapter(SecureStore)` (`import * as SecureStore from 'expo-secure-store'`). */
export function secureStoreAdapter(SecureStore: SecureStoreModule, options: NativeStorageOptions = {}): TokenStorage {
  return createAsyncStorage(SecureStore, options);
}
