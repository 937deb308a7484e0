import type { TokenPair } from '@tessera/protocol';
import type { TokenStorage } from './token-storage.js';

/**
 * Cookie mode: the server keeps the refresh token in an httpOnly cookie that
 * scripts cannot read; only the access token is held, in memory. Refreshes
 * send the cookie (`credentials: 'include'`) with the `X-Tessera-CSRF` header.
 */
export function createCookieStorage(): TokenStorage {
  let tokens: TokenPair | null = null;
  return {
    cookieMode: true,
    load: () => tokens,
    save: ({ accessToken, expiresAt }) => {
      tokens = { accessToken, expiresAt };
    },
    clear: () => {
      tokens = null;
    },
  };
}
