import type { AccessClaims, SessionInfo, TokenPair } from '@tessera/protocol';
import { backoffDelayMs } from './backoff.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { isRetryableError, isTerminalAuthError, TesseraError } from './errors.js';
import { requestJson, type FetchLike } from './http.js';
import { decodeJwtPayload } from './jwt.js';
import { estimateOffsetMs, isExpired, refreshAtMs, type TokenTiming } from './refresh-schedule.js';
import { createMemoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { createTabCoordinator, type TabCoordinator, type TabCoordinatorOptions } from './tab-coordinator.js';

export interface TokenManagerOptions {
  /** HTTP base URL of Tessera, e.g. `https://chat.example.com`. */
  baseUrl: string;
  /** Lets the SDK start anonymous sessions itself (`POST /v1/sessions`). */
  publishableKey?: string;
  /**
   * Fetches a fresh pair from your backend (which mints it with its secret
   * key). Called whenever the SDK needs a pair it cannot get by refreshing:
   * at start with nothing stored, and after the session has ended.
   */
  tokenProvider?: () => Promise<TokenPair>;
  /** A pair to start from, e.g. from your backend's page render. Stored newer tokens of the same session win. */
  initialTokens?: TokenPair;
  /** Default: memory. */
  storage?: TokenStorage;
  fetch?: FetchLike;
  clock?: Clock;
  random?: () => number;
  /** Refresh this long before expiry; at most half a token's lifetime. Default 5 minutes. */
  refreshBufferMs?: number;
  /** First retry delay ceiling after a network or 5xx failure. Default 1 s. */
  minRetryDelayMs?: number;
  /** Cap of every retry delay. Default 30 s. */
  maxRetryDelayMs?: number;
  /** Attempts per refresh before reporting the failure and waiting `maxRetryDelayMs`. Default 6. */
  maxRefreshAttempts?: number;
  requestTimeoutMs?: number;
  /** Cross-tab coordination (Web Locks, BroadcastChannel); `false` turns it off. */
  crossTab?: false | Partial<Omit<TabCoordinatorOptions, 'clock'>>;
  /** Check at once on `visibilitychange`, `online` and `pageshow`. Default true. */
  watchEnvironment?: boolean;
  /** Called with every new pair the SDK takes (refreshed, adopted from another tab, signed in). */
  onTokenRefresh?: (tokens: TokenPair) => void;
  /** Called when a refresh fails: terminally (the pair was cleared), or after all retries. */
  onRefreshError?: (error: TesseraError) => void;
}

/**
 * - `empty`: no pair
 * - `valid`: a pair, refresh scheduled
 * - `refreshing`: a refresh request is in flight
 * - `retrying`: waiting to retry a failed refresh
 */
export type TokenState = 'empty' | 'valid' | 'refreshing' | 'retrying';

export type TokenSource = 'stored' | 'server' | 'provider' | 'adopted';

export interface TokenManager {
  readonly state: TokenState;
  /** The pair held now, if any. */
  current(): TokenPair | null;
  /** The current access token's claims (decoded, not verified). */
  claims(): Partial<AccessClaims> | null;
  /** Loads stored tokens and starts watching the clock, other tabs and the page. Idempotent. */
  start(): Promise<void>;
  /** Stops every timer and listener; the pair stays. */
  stop(): void;
  /**
   * A usable access token: refreshed first if expired, fetched from the
   * tokenProvider or a new anonymous session when there is none (unless
   * `createSession` is false), else null.
   */
  getAccessToken(options?: { createSession?: boolean }): Promise<string | null>;
  /** Refreshes now; concurrent callers (and tabs) share one refresh. */
  refresh(): Promise<TokenPair>;
  /** Starts an anonymous session with the publishable key. */
  startSession(): Promise<{ tokens: TokenPair; session?: SessionInfo }>;
  /** Takes a pair the server just issued (session frame, sign-in, your backend). */
  setTokens(tokens: TokenPair, source?: 'server' | 'provider'): Promise<void>;
  clear(): Promise<void>;
  /** Re-checks expiry at once (page visible again, back online, device woke). */
  check(): void;
  /** Resolves when no refresh is in flight. */
  settled(): Promise<void>;
  /** Estimated server clock minus local clock. */
  serverOffsetMs(): number;
  onChange(listener: (tokens: TokenPair | null) => void): () => void;
}

interface PairUpdate {
  tokens: TokenPair | null;
  source?: TokenSource;
  serverDateMs?: number | null;
  receivedAtMs?: number;
}

interface TokenResponse {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
  session?: SessionInfo;
}

/** Timers are cut into chunks so that a sleeping device or a throttled tab is noticed within this. */
const TIMER_CHUNK_MS = 30_000;
/** Web Locks and BroadcastChannel are not ordered with each other: hold the lock this long after broadcasting. */
const HANDOVER_MS = 25;

/** The session a pair belongs to: tabs coordinate per session. */
export function sessionKeyOf(tokens: TokenPair | null): string {
  return (tokens && decodeJwtPayload(tokens.accessToken)?.sid) || 'default';
}

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const storage = options.storage ?? createMemoryStorage();
  const cookieMode = storage.cookieMode === true;
  const refreshBufferMs = options.refreshBufferMs ?? 5 * 60_000;
  const retry = {
    minDelayMs: options.minRetryDelayMs ?? 1000,
    maxDelayMs: options.maxRetryDelayMs ?? 30_000,
    random: options.random,
  };
  const maxRefreshAttempts = options.maxRefreshAttempts ?? 6;
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const listeners = new Set<(tokens: TokenPair | null) => void>();

  let state: TokenState = 'empty';
  let pair: TokenPair | null = null;
  let timing: TokenTiming | null = null;
  let offsetMs = 0;
  let offsetKnown = false;
  let inflight: Promise<TokenPair> | null = null;
  let acquiring: Promise<TokenPair | null> | null = null;
  let timer: unknown;
  let wakeRetry: (() => void) | null = null;
  /** After a refresh round fails without being terminal, the next round waits until then. */
  let nextRoundAtMs = 0;
  let persisting: Promise<void> = Promise.resolve();
  let started: Promise<void> | null = null;
  let running = false;
  let coordinator: TabCoordinator | null = null;
  let detach: Array<() => void> = [];

  /** Every change of state or pair goes through here. */
  function transition(next: TokenState, update?: PairUpdate): void {
    state = next;
    if (update) {
      const tokens = update.tokens;
      pair = tokens;
      nextRoundAtMs = 0;
      if (!tokens) {
        timing = null;
        persist(() => storage.clear());
      } else {
        const claims = decodeJwtPayload(tokens.accessToken) ?? {};
        if (update.source === 'server' || (update.source === 'provider' && !offsetKnown)) {
          const serverMs = update.serverDateMs ?? (claims.iat ? claims.iat * 1000 : null);
          const estimate = estimateOffsetMs(serverMs, update.receivedAtMs ?? clock.now());
          if (estimate !== null) {
            offsetMs = estimate;
            offsetKnown = true;
          }
        }
        timing = {
          expiresAt: tokens.expiresAt,
          lifetimeMs:
            claims.iat && claims.exp ? (claims.exp - claims.iat) * 1000 : tokens.expiresAt - offsetMs - clock.now(),
        };
        if (update.source !== 'stored') {
          persist(() => storage.save(tokens));
          if (update.source !== 'adopted') coordinator?.publish(sessionKeyOf(tokens), tokens);
          options.onTokenRefresh?.(tokens);
        }
      }
      for (const listener of [...listeners]) listener(tokens);
    }
    schedule();
  }

  function persist(operation: () => unknown): void {
    persisting = persisting.then(operation).then(
      () => undefined,
      () => undefined,
    );
  }

  function schedule(): void {
    clock.clearTimeout(timer);
    timer = undefined;
    if (!running || !pair || !timing || inflight) return;
    const now = clock.now();
    const dueAtMs = Math.max(refreshAtMs(timing, offsetMs, refreshBufferMs), nextRoundAtMs);
    if (dueAtMs <= now) {
      refreshInBackground();
      return;
    }
    timer = clock.setTimeout(schedule, Math.min(dueAtMs - now, TIMER_CHUNK_MS));
  }

  function refreshInBackground(): void {
    refresh().catch(() => {
      /* reported through onRefreshError */
    });
  }

  function isUsable(tokens: TokenPair): boolean {
    const claims = decodeJwtPayload(tokens.accessToken) ?? {};
    const lifetimeMs = claims.iat && claims.exp ? (claims.exp - claims.iat) * 1000 : 0;
    return !isExpired({ expiresAt: tokens.expiresAt, lifetimeMs }, offsetMs, clock.now());
  }

  function report(error: unknown): TesseraError {
    const failure =
      error instanceof TesseraError ? error : new TesseraError('NETWORK_ERROR', 'token refresh failed', { cause: error });
    options.onRefreshError?.(failure);
    return failure;
  }

  function refresh(): Promise<TokenPair> {
    if (inflight) return inflight;
    const startPair = pair;
    // Started a tick later (after `start()`) so that `inflight` is set before anything it triggers looks at it.
    inflight = manager
      .start()
      .then(() => runRefresh(startPair ?? pair))
      .finally(() => {
        inflight = null;
        if (state === 'refreshing' || state === 'retrying') transition(pair ? 'valid' : 'empty');
        else schedule();
      });
    return inflight;
  }

  async function runRefresh(startPair: TokenPair | null): Promise<TokenPair> {
    transition('refreshing');
    try {
      const task = () => refreshHoldingLock(startPair);
      return await (coordinator ? coordinator.withLock(sessionKeyOf(startPair), task) : task());
    } catch (error) {
      // Newer tokens arrived meanwhile (sign-in, another tab): the failure is moot.
      if (pair && pair !== startPair) return pair;
      if (isTerminalAuthError(error) || (error instanceof TesseraError && error.status === 401)) {
        transition('empty', { tokens: null });
        // Your backend may still vouch for the user: then nobody needs to hear about it.
        if (options.tokenProvider && running) {
          const fresh = await acquire(false).catch(() => null);
          if (fresh) return fresh;
        }
        report(error);
        throw error;
      }
      const failure = report(error);
      if (failure.code !== 'CLIENT_CLOSED') nextRoundAtMs = clock.now() + retry.maxDelayMs;
      throw failure;
    }
  }

  async function refreshHoldingLock(startPair: TokenPair | null): Promise<TokenPair> {
    // While we waited for the lock another tab may have refreshed: adopt its pair.
    if (pair && pair !== startPair && isUsable(pair)) return pair;
    const stored = await storage.load();
    if (
      stored &&
      pair &&
      stored.accessToken !== pair.accessToken &&
      sessionKeyOf(stored) === sessionKeyOf(pair) &&
      stored.expiresAt >= pair.expiresAt &&
      isUsable(stored)
    ) {
      transition(state, { tokens: stored, source: 'adopted' });
      return stored;
    }
    if (!cookieMode && !startPair?.refreshToken) {
      const fresh = options.tokenProvider ? await acquire(false) : null;
      if (fresh) return fresh;
      throw new TesseraError('NO_CREDENTIALS', 'no refresh token to refresh with');
    }
    for (let attempt = 0; ; attempt++) {
      if (!running) throw new TesseraError('CLIENT_CLOSED', 'token manager stopped');
      if (pair !== startPair && pair && isUsable(pair)) return pair;
      try {
        const result = await requestJson<TokenResponse>(
          fetchFn,
          clock,
          `${baseUrl}/v1/auth/refresh`,
          cookieMode
            ? { body: {}, credentials: 'include', headers: { 'x-tessera-csrf': '1' } }
            : { body: { refreshToken: startPair!.refreshToken } },
          requestTimeoutMs,
        );
        if (pair !== startPair) {
          // Superseded while in flight (signed in, logged out): the older result must not win.
          if (pair) return pair;
          throw new TesseraError('NO_CREDENTIALS', 'signed out during refresh');
        }
        const { accessToken, refreshToken, expiresAt } = result.body;
        const tokens: TokenPair = cookieMode
          ? { accessToken, expiresAt }
          : { accessToken, expiresAt, refreshToken: refreshToken ?? startPair!.refreshToken };
        transition('refreshing', { tokens, source: 'server', serverDateMs: result.serverDateMs, receivedAtMs: result.receivedAtMs });
        // Before the lock goes to the next tab: stored, and the broadcast given time to arrive.
        await persisting;
        if (coordinator) await sleep(clock, HANDOVER_MS).done;
        return tokens;
      } catch (error) {
        if (!isRetryableError(error) || attempt + 1 >= maxRefreshAttempts) throw error;
        const delayMs = Math.max(backoffDelayMs(attempt, retry), (error as TesseraError).retryAfterMs ?? 0);
        transition('retrying');
        const pause = sleep(clock, delayMs);
        wakeRetry = pause.wake;
        await pause.done;
        wakeRetry = null;
        transition('refreshing');
      }
    }
  }

  /** A pair from somewhere other than a refresh: the refresh cookie, the tokenProvider, or a new session. */
  function acquire(createSession: boolean): Promise<TokenPair | null> {
    acquiring ??= (async () => {
      try {
        if (cookieMode) {
          const fromCookie = await probeRefreshCookie();
          if (fromCookie) return fromCookie;
        }
        if (options.tokenProvider) {
          let tokens: TokenPair;
          try {
            tokens = await options.tokenProvider();
          } catch (cause) {
            throw cause instanceof TesseraError
              ? cause
              : new TesseraError('NETWORK_ERROR', 'tokenProvider failed', { cause });
          }
          if (typeof tokens?.accessToken !== 'string' || typeof tokens.expiresAt !== 'number') {
            throw new TesseraError('NO_CREDENTIALS', 'tokenProvider returned no {accessToken, expiresAt}');
          }
          transition(state === 'empty' ? 'valid' : state, { tokens, source: 'provider', receivedAtMs: clock.now() });
          return tokens;
        }
        if (createSession && options.publishableKey) return (await startSession()).tokens;
        return null;
      } finally {
        acquiring = null;
      }
    })();
    return acquiring;
  }

  /** Cookie mode after a reload: is there a refresh cookie? A 401 just means no. */
  async function probeRefreshCookie(): Promise<TokenPair | null> {
    try {
      const result = await requestJson<TokenResponse>(
        fetchFn,
        clock,
        `${baseUrl}/v1/auth/refresh`,
        { body: {}, credentials: 'include', headers: { 'x-tessera-csrf': '1' } },
        requestTimeoutMs,
      );
      const tokens = { accessToken: result.body.accessToken, expiresAt: result.body.expiresAt };
      transition(state === 'empty' ? 'valid' : state, {
      tokens,
      source: 'server',
      serverDateMs: result.serverDateMs,
      receivedAtMs: result.receivedAtMs,
    });
      return tokens;
    } catch (error) {
      if (error instanceof TesseraError && error.status !== undefined && error.status < 500) return null;
      throw error;
    }
  }

  async function startSession(): Promise<{ tokens: TokenPair; session?: SessionInfo }> {
    if (!options.publishableKey) throw new TesseraError('NO_CREDENTIALS', 'a publishableKey is needed to start a session');
    const result = await requestJson<TokenResponse>(
      fetchFn,
      clock,
      `${baseUrl}/v1/sessions`,
      {
        body: { tokenTransport: cookieMode ? 'cookie' : 'body' },
        headers: { 'x-tessera-key': options.publishableKey },
        credentials: cookieMode ? 'include' : undefined,
      },
      requestTimeoutMs,
    );
    const { accessToken, refreshToken, expiresAt, session } = result.body;
    const tokens: TokenPair = cookieMode ? { accessToken, expiresAt } : { accessToken, refreshToken, expiresAt };
    transition(state === 'empty' ? 'valid' : state, {
      tokens,
      source: 'server',
      serverDateMs: result.serverDateMs,
      receivedAtMs: result.receivedAtMs,
    });
    return { tokens, session };
  }

  function adopt(tokens: TokenPair | null): void {
    if (!tokens || !pair || tokens.accessToken === pair.accessToken) return;
    if (sessionKeyOf(tokens) !== sessionKeyOf(pair) || tokens.expiresAt < pair.expiresAt) return;
    transition(state, { tokens, source: 'adopted' });
    wakeRetry?.();
  }

  function watchEnvironment(): Array<() => void> {
    const target = globalThis as unknown as Partial<EventTarget>;
    const doc = (globalThis as { document?: Document }).document;
    const onVisibility = () => {
      if (doc?.visibilityState !== 'hidden') manager.check();
    };
    const onEvent = () => manager.check();
    doc?.addEventListener('visibilitychange', onVisibility);
    target.addEventListener?.('online', onEvent);
    target.addEventListener?.('pageshow', onEvent);
    return [
      () => doc?.removeEventListener('visibilitychange', onVisibility),
      () => target.removeEventListener?.('online', onEvent),
      () => target.removeEventListener?.('pageshow', onEvent),
    ];
  }

  const manager: TokenManager = {
    get state() {
      return state;
    },
    current: () => pair,
    claims: () => (pair ? decodeJwtPayload(pair.accessToken) : null),

    start() {
      if (started) return started;
      running = true;
      if (options.crossTab !== false) {
        coordinator = createTabCoordinator({ name: `tessera:${baseUrl}`, ...options.crossTab, clock });
        detach.push(coordinator.subscribe((_key, tokens) => adopt(tokens)));
      }
      const unwatch = storage.watch?.((tokens) => adopt(tokens));
      if (unwatch) detach.push(unwatch);
      if (options.watchEnvironment !== false) detach.push(...watchEnvironment());
      started = (async () => {
        const stored = await Promise.resolve(storage.load()).catch(() => null);
        if (pair) return; // tokens were set while loading
        const initial = options.initialTokens;
        const storedIsNewer =
          stored && initial && sessionKeyOf(stored) === sessionKeyOf(initial) && stored.expiresAt >= initial.expiresAt;
        if (initial && !storedIsNewer) transition('valid', { tokens: initial, source: 'provider', receivedAtMs: clock.now() });
        else if (stored) transition('valid', { tokens: stored, source: 'stored' });
      })();
      return started;
    },

    stop() {
      running = false;
      started = null;
      clock.clearTimeout(timer);
      timer = undefined;
      wakeRetry?.();
      for (const undo of detach) undo();
      detach = [];
      coordinator?.close();
      coordinator = null;
    },

    async getAccessToken({ createSession = true } = {}) {
      await manager.start();
      if (!pair && !(await acquire(createSession))) return null;
      if (!isUsable(pair!)) return (await refresh()).accessToken;
      schedule(); // refreshes in the background if due and the timer was late
      return pair!.accessToken;
    },

    refresh,
    startSession,

    async setTokens(tokens, source = 'server') {
      await manager.start();
      transition(state === 'empty' ? 'valid' : state, { tokens, source, receivedAtMs: clock.now() });
      await persisting;
    },

    async clear() {
      transition(inflight ? state : 'empty', { tokens: null });
      await persisting;
    },

    check() {
      nextRoundAtMs = 0;
      wakeRetry?.();
      schedule();
    },

    async settled() {
      await inflight?.catch(() => undefined);
    },

    serverOffsetMs: () => offsetMs,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return manager;
}
