export { asyncStorageAdapter, secureStoreAdapter } from './storage-adapters.js';
export type { AsyncStorageModule, NativeStorageOptions, SecureStoreModule } from './storage-adapters.js';
export { refreshOnForeground } from './refresh-on-foreground.js';
export type { AppStateModule, RefreshOnForegroundOptions } from './refresh-on-foreground.js';
