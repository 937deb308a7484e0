import type { AccessClaims, SessionInfo, TokenPair } from '@tessera/protocol';
import { createApi, type Issued, type TesseraApi } from './api.js';
import { systemClock, type Clock } from './clock.js';
import { TesseraError } from './errors.js';
import type { FetchLike } from './http.js';
import { decodeJwtPayload } from './jwt.js';
import { onPageWake } from './page-events.js';
import { createRefreshLoop } from './refresh-loop.js';
import { createTokenAcquisition } from './token-acquisition.js';
import { createMemoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { createTabCoordinator, type TabCoordinator, type TabCoordinatorOptions } from './tab-coordinator.js';
import {
  INITIAL_TOKEN_SNAPSHOT,
  isNewerPair,
  isUsable,
  nextTokenSnapshot,
  sessionKeyOf,
  supersedes,
  type TokenEvent,
  type TokenSource,
  type TokenState,
} from './token-state.js';

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
  /**
   * Called when a refresh fails after all retries, and once at every end of a session: its refresh
   * token refused (revoked, expired, reused), or the server ending it (revoked, erased). Not called
   * for a logout, here or in another tab: that end was asked for.
   */
  onRefreshError?: (error: TesseraError) => void;
}

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
  /** The server ended the session (a socket closed as revoked or invalid): drops the pair and reports the end, once. */
  end(error: TesseraError): Promise<void>;
  /** Re-checks expiry at once (page visible again, back online, device woke). */
  check(): void;
  /** Resolves when no refresh is in flight. */
  settled(): Promise<void>;
  /** Estimated server clock minus local clock. */
  serverOffsetMs(): number;
  onChange(listener: (tokens: TokenPair | null) => void): () => void;
}

const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const api = createApi({ ...options, baseUrl, tokenTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  return createTokenManagerWith(options, api);
}

/** The token manager over a given api (the chat client shares its own). */
export function createTokenManagerWith(options: TokenManagerOptions, api: TesseraApi): TokenManager {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const storage = options.storage ?? createMemoryStorage();
  const listeners = new Set<(tokens: TokenPair | null) => void>();

  let snapshot = INITIAL_TOKEN_SNAPSHOT;
  let persisting: Promise<void> = Promise.resolve();
  let started: Promise<void> | null = null;
  let running = false;
  let coordinator: TabCoordinator | null = null;
  let detach: Array<() => void> = [];
  /** Whether the end of the latest pair's session was reported: a session ends once, however many notice. */
  let endReported = false;

  /** Every change of state or pair goes through here: the pure transition, then its effects. */
  function dispatch(event: TokenEvent): void {
    snapshot = nextTokenSnapshot(snapshot, event);
    if (event.type === 'tokens') {
      endReported = false; // a new pair, a session whose end is yet to be told
      announce(event.tokens, event.source);
    } else if (event.type === 'cleared' || event.type === 'ended') announce(null);
    loop.schedule();
  }

  /** A new pair (or none) is saved, told to the other tabs and to the listeners. */
  function announce(tokens: TokenPair | null, source?: TokenSource): void {
    if (!tokens) {
      persist(() => storage.clear());
      sources.forget(); // the session is over: a reload does not look for its refresh cookie
    } else if (source !== 'stored') {
      persist(() => storage.save(tokens));
      if (source !== 'adopted') coordinator?.publish(sessionKeyOf(tokens), tokens);
      options.onTokenRefresh?.(tokens);
    }
    for (const listener of [...listeners]) listener(tokens);
  }

  function take(tokens: TokenPair, source: TokenSource, from?: Pick<Issued, 'serverDateMs' | 'receivedAtMs'>): void {
    dispatch({ type: 'tokens', tokens, source, nowMs: clock.now(), ...from });
  }

  function persist(operation: () => unknown): void {
    persisting = persisting.then(operation).then(
      () => undefined,
      () => undefined,
    );
  }

  function report(error: unknown): TesseraError {
    const failure = error instanceof TesseraError ? error : new TesseraError('NETWORK_ERROR', 'token refresh failed', { cause: error });
    options.onRefreshError?.(failure);
    return failure;
  }

  function reportEnd(error: unknown): void {
    if (endReported) return;
    endReported = true;
    report(error);
  }

  const sources = createTokenAcquisition({ ...options, api, take });
  const loop = createRefreshLoop({
    api,
    clock,
    storage,
    refreshBufferMs: options.refreshBufferMs ?? 5 * 60_000,
    retry: { minDelayMs: options.minRetryDelayMs ?? 1000, maxDelayMs: options.maxRetryDelayMs ?? 30_000, random: options.random },
    maxRefreshAttempts: options.maxRefreshAttempts ?? 6,
    snapshot: () => snapshot,
    dispatch,
    take,
    persisted: () => persisting,
    start: () => manager.start(),
    running: () => running,
    coordinator: () => coordinator,
    reacquire: options.tokenProvider ? () => sources.acquire(false) : null,
    report,
    reportEnd,
  });

  /** A pair another tab (or the storage) announced: taken when it is newer for the same session. */
  function adopt(tokens: TokenPair | null): void {
    if (!isNewerPair(tokens, snapshot.pair)) return;
    take(tokens, 'adopted');
    loop.wake();
  }

  const manager: TokenManager = {
    get state() {
      return snapshot.state;
    },
    current: () => snapshot.pair,
    claims: () => (snapshot.pair ? decodeJwtPayload(snapshot.pair.accessToken) : null),

    start() {
      if (started) return started;
      running = true;
      if (options.crossTab !== false) {
        coordinator = createTabCoordinator({ name: `tessera:${baseUrl}`, ...options.crossTab, clock });
        detach.push(coordinator.subscribe((_key, tokens) => adopt(tokens)));
      }
      const unwatch = storage.watch?.((tokens) => adopt(tokens));
      if (unwatch) detach.push(unwatch);
      if (options.watchEnvironment !== false) detach.push(onPageWake(['visible', 'online', 'pageshow'], () => manager.check()));
      started = (async () => {
        const stored = await Promise.resolve(storage.load()).catch(() => null);
        if (snapshot.pair) return; // tokens were set while loading
        const initial = options.initialTokens;
        if (initial && !(stored && supersedes(stored, initial))) take(initial, 'provider');
        else if (stored) take(stored, 'stored');
      })();
      return started;
    },

    stop() {
      running = false;
      started = null;
      loop.stop();
      for (const undo of detach) undo();
      detach = [];
      coordinator?.close();
      coordinator = null;
    },

    async getAccessToken({ createSession = true } = {}) {
      await manager.start();
      if (!snapshot.pair && !(await sources.acquire(createSession))) return null;
      if (!isUsable(snapshot.pair!, snapshot.offsetMs, clock.now())) return (await loop.refresh()).accessToken;
      loop.schedule(); // refreshes in the background if due and the timer was late
      return snapshot.pair!.accessToken;
    },

    refresh: () => loop.refresh(),
    startSession: () => sources.startSession(),

    async setTokens(tokens, source = 'server') {
      await manager.start();
      take(tokens, source);
      await persisting;
    },

    async clear() {
      dispatch({ type: 'cleared', refreshInFlight: loop.inFlight });
      await persisting;
    },

    async end(error) {
      const held = snapshot.pair !== null;
      dispatch({ type: 'ended' });
      if (held) reportEnd(error);
      await persisting;
    },

    check() {
      dispatch({ type: 'check' });
      loop.wake();
    },

    settled: () => loop.settled(),
    serverOffsetMs: () => snapshot.offsetMs,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return manager;
}
