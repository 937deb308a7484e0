import type { SessionInfo, TokenPair } from '@tessera/protocol';
import type { Issued, TesseraApi } from './api.js';
import { TesseraError } from './errors.js';
import { createSessionHint, type SessionHint } from './session-hint.js';
import type { TokenSource } from './token-state.js';

export interface TokenAcquisitionOptions {
  api: TesseraApi;
  /** Tessera's base URL: names this browser's session hint (cookie transport). */
  baseUrl: string;
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
  /** The session is over (logout, revoked, refused): the next page load does not look for its cookie. */
  forget(): void;
}

export function createTokenAcquisition(options: TokenAcquisitionOptions): TokenAcquisition {
  const { api, take } = options;
  let acquiring: Promise<TokenPair | null> | null = null;
  // Only the cookie is out of sight: storage the client reads itself needs no hint.
  const hint: SessionHint | null = api.transport.kind === 'cookie' ? createSessionHint(options.baseUrl.replace(/\/+$/, '')) : null;

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
    // Without the hint this browser never had a session here: no refresh probe (and no 401 in the console).
    const restored = api.restore && (hint?.present() ?? true) ? await api.restore() : null;
    if (restored) {
      hint?.set();
      take(restored.tokens, 'server', restored);
      return restored.tokens;
    }
    hint?.clear();
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
    hint?.set();
    take(result.tokens, 'server', result);
    return { tokens: result.tokens, session: result.session };
  }

  return { acquire, startSession, forget: () => hint?.clear() };
}
