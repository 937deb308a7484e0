import type { TokenPair } from '@tessera/protocol';
import type { TokenStorage } from './token-storage.js';

/** Tokens kept in memory only: gone on reload. The default. */
export function createMemoryStorage(): TokenStorage {
  let tokens: TokenPair | null = null;
  return {
    load: () => tokens,
    save: (next) => {
      tokens = { ...next };
    },
    clear: () => {
      tokens = null;
    },
  };
}
