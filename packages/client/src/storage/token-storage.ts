import type { TokenPair } from '@tessera/protocol';

type MaybePromise<T> = T | Promise<T>;

/** Where the token pair is kept between page loads. */
export interface TokenStorage {
  load(): MaybePromise<TokenPair | null>;
  save(tokens: TokenPair): MaybePromise<void>;
  clear(): MaybePromise<void>;
  /** Tells of changes made by another tab (the `storage` event); returns an unsubscribe. */
  watch?(listener: (tokens: TokenPair | null) => void): () => void;
  /** The refresh token lives in an httpOnly cookie set by the server, not here. */
  readonly cookieMode?: boolean;
}

export const DEFAULT_STORAGE_KEY = 'tessera.tokens';

export function serializeTokens(tokens: TokenPair): string {
  const { accessToken, refreshToken, expiresAt } = tokens;
  return JSON.stringify({ accessToken, refreshToken, expiresAt });
}

/** Parses what `serializeTokens` wrote; anything else (tampered, old format) is null. */
export function parseTokens(text: string | null | undefined): TokenPair | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<TokenPair>;
    if (typeof value.accessToken !== 'string' || typeof value.expiresAt !== 'number') return null;
    return {
      accessToken: value.accessToken,
      expiresAt: value.expiresAt,
      ...(typeof value.refreshToken === 'string' ? { refreshToken: value.refreshToken } : {}),
    };
  } catch {
    return null;
  }
}
