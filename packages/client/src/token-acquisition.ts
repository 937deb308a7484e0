import type { SessionInfo, TokenPair } from '@tessera/protocol';
import type { Issued, TesseraApi } from './api.js';
import { TesseraError } from './errors.js';
import type { TokenSource } from './token-state.js';

export interface TokenAcquisitionOptions {
  api: TesseraApi;
  publishableKey?: string;
  tokenProvider?: () => Promise<TokenPair>;
  /** Takes a pair into the token manager. */
  take(tokens: TokenPair, source: TokenSource, from?: Issued): void;
}

/** Where a pair comes from when there is none to refresh. */
export interface TokenAcquisition {
  /**
   * A pair from somewhere other than a refresh: the refresh cookie, the tokenProvider, or
   * (with `createSession`) a new anonymous session; null when none of them has one.
   */
  acquire(createSession: boolean): Promise<TokenPair | null>;
  /** Starts an anonymous session with the publishable key. */
  startSession(): Promise<{ tokens: TokenPair; session?: SessionInfo }>;
}

export function createTokenAcquisition(options: TokenAcquisitionOptions): TokenAcquisition {
  const { api, take } = options;
  let acquiring: Promise<TokenPair | null> | null = null;

  /** One attempt at a time: callers meanwhile share it; the next call after it settles starts anew. */
  function acquire(createSession: boolean): Promise<TokenPair | null> {
    if (!acquiring) {
      // Cleared only once it settles, and only if it is still the current attempt: an attempt that
      // never awaits settles before it is assigned, and must not be kept as the answer for good.
      const attempt = attemptOnce(createSession).finally(() => {
        if (acquiring === attempt) acquiring = null;
      });
      acquiring = attempt;
    }
    return acquiring;
  }

  async function attemptOnce(createSession: boolean): Promise<TokenPair | null> {
    const restored = api.restore ? await api.restore() : null;
    if (restored) {
      take(restored.tokens, 'server', restored);
      return restored.tokens;
    }
    if (options.tokenProvider) return await fromProvider(options.tokenProvider);
    if (createSession && options.publishableKey) return (await startSession()).tokens;
    return null;
  }

  async function fromProvider(tokenProvider: () => Promise<TokenPair>): Promise<TokenPair> {
    let tokens: TokenPair;
    try {
      tokens = await tokenProvider();
    } catch (cause) {
      throw cause instanceof TesseraError ? cause : new TesseraError('NETWORK_ERROR', 'tokenProvider failed', { cause });
    }
    if (typeof tokens?.accessToken !== 'string' || typeof tokens.expiresAt !== 'number') {
      throw new TesseraError('NO_CREDENTIALS', 'tokenProvider returned no {accessToken, expiresAt}');
    }
    take(tokens, 'provider');
    return tokens;
  }

  async function startSession(): Promise<{ tokens: TokenPair; session?: SessionInfo }> {
    if (!options.publishableKey) throw new TesseraError('NO_CREDENTIALS', 'a publishableKey is needed to start a session');
    const result = await api.startSession(options.publishableKey);
    take(result.tokens, 'server', result);
    return { tokens: result.tokens, session: result.session };
  }

  return { acquire, startSession };
}
