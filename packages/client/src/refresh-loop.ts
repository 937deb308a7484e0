import type { TokenPair } from '@tessera/protocol';
import type { Issued, TesseraApi } from './api.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { sleep, type Clock } from './clock.js';
import { isRetryableError, isTerminalAuthError, TesseraError } from './errors.js';
import type { TokenStorage } from './storage/token-storage.js';
import type { TabCoordinator } from './tab-coordinator.js';
import {
  isNewerPair,
  isUsable,
  refreshDueAtMs,
  sessionKeyOf,
  type TokenEvent,
  type TokenSnapshot,
  type TokenSource,
} from './token-state.js';

/** What the refresh loop works with: the token manager's state, and where pairs come from and go. */
export interface RefreshLoopOptions {
  api: TesseraApi;
  clock: Clock;
  storage: TokenStorage;
  refreshBufferMs: number;
  retry: BackoffOptions;
  /** Attempts per refresh round before reporting the failure. */
  maxRefreshAttempts: number;
  snapshot(): TokenSnapshot;
  dispatch(event: TokenEvent): void;
  /** Takes a pair (the state moves; it is stored, told to other tabs and reported). */
  take(tokens: TokenPair, source: TokenSource, from?: Issued): void;
  /** Resolves once every storage write so far is done. */
  persisted(): Promise<void>;
  /** Loads the stored pair and starts the manager (idempotent). */
  start(): Promise<void>;
  running(): boolean;
  coordinator(): TabCoordinator | null;
  /** Gets a pair without refreshing (the refresh cookie, then the tokenProvider); null when there is no tokenProvider. */
  reacquire: (() => Promise<TokenPair | null>) | null;
  /** Reports a failed round (`onRefreshError`); returns it as a TesseraError. */
  report(error: unknown): TesseraError;
  /** Reports the session's end (`onRefreshError`), unless it was reported already. */
  reportEnd(error: unknown): void;
}

/** The timed part of the token manager: when to refresh, one refresh at a time, retries, locks. */
export interface RefreshLoop {
  /** Refreshes now; concurrent callers (and, through the lock, tabs) share one refresh. */
  refresh(): Promise<TokenPair>;
  readonly inFlight: boolean;
  /** Re-arms the timer from the current state, or refreshes in the background if due. */
  schedule(): void;
  /** Ends the pause before the next retry at once. */
  wake(): void;
  /** Resolves when no refresh is in flight. */
  settled(): Promise<void>;
  /** Stops the timer (a refresh in flight runs out on its own). */
  stop(): void;
}

/** Timers are cut into chunks so that a sleeping device or a throttled tab is noticed within this. */
const TIMER_CHUNK_MS = 30_000;
/** Web Locks and BroadcastChannel are not ordered with each other: hold the lock this long after broadcasting. */
const HANDOVER_MS = 25;

export function createRefreshLoop(options: RefreshLoopOptions): RefreshLoop {
  const { api, clock, snapshot, dispatch } = options;
  let inflight: Promise<TokenPair> | null = null;
  let timer: unknown;
  let wakeRetry: (() => void) | null = null;

  const held = () => snapshot().pair;
  const usable = (tokens: TokenPair) => isUsable(tokens, snapshot().offsetMs, clock.now());

  function schedule(): void {
    clock.clearTimeout(timer);
    timer = undefined;
    if (!options.running() || inflight) return;
    const dueAtMs = refreshDueAtMs(snapshot(), options.refreshBufferMs);
    if (dueAtMs === null) return;
    const now = clock.now();
    if (dueAtMs <= now) {
      refresh().catch(() => {
        /* reported through onRefreshError */
      });
      return;
    }
    timer = clock.setTimeout(schedule, Math.min(dueAtMs - now, TIMER_CHUNK_MS));
  }

  function refresh(): Promise<TokenPair> {
    if (inflight) return inflight;
    const startPair = held();
    // Started a tick later (after `start()`) so that `inflight` is set before anything it triggers looks at it.
    inflight = options
      .start()
      .then(() => runRefresh(startPair ?? held()))
      .finally(() => {
        inflight = null;
        dispatch({ type: 'settled' });
      });
    return inflight;
  }

  async function runRefresh(startPair: TokenPair | null): Promise<TokenPair> {
    dispatch({ type: 'refreshing' });
    try {
      const task = () => refreshHoldingLock(startPair);
      const coordinator = options.coordinator();
      return await (coordinator ? coordinator.withLock(sessionKeyOf(startPair), task) : task());
    } catch (error) {
      // Newer tokens arrived meanwhile (sign-in, another tab): the failure is moot.
      const pair = held();
      if (pair && pair !== startPair) return pair;
      // Dropped meanwhile (a logout, or the session's end the socket told of): nothing more to tell.
      if (!pair && startPair) throw error;
      if (isTerminalAuthError(error) || (error instanceof TesseraError && error.status === 401)) {
        dispatch({ type: 'ended' });
        // Your backend may still vouch for the user: then nobody needs to hear about it.
        if (options.reacquire && options.running()) {
          const fresh = await options.reacquire().catch(() => null);
          if (fresh) return fresh;
        }
        options.reportEnd(error);
        throw error;
      }
      const failure = options.report(error);
      // A refused origin is a deployment setting: no timer retries it, only a wake (`check()`) or new tokens.
      const pauseMs = failure.code === 'ORIGIN_NOT_ALLOWED' ? Number.POSITIVE_INFINITY : options.retry.maxDelayMs;
      if (failure.code !== 'CLIENT_CLOSED') dispatch({ type: 'round-failed', retryAtMs: clock.now() + pauseMs });
      throw failure;
    }
  }

  async function refreshHoldingLock(startPair: TokenPair | null): Promise<TokenPair> {
    // While we waited for the lock another tab may have refreshed: adopt its pair.
    const pair = held();
    if (pair && pair !== startPair && usable(pair)) return pair;
    const stored = await options.storage.load();
    if (isNewerPair(stored, held()) && usable(stored)) {
      options.take(stored, 'adopted');
      return stored;
    }
    if (!api.transport.canRefresh(startPair)) {
      const fresh = options.reacquire ? await options.reacquire() : null;
      if (fresh) return fresh;
      throw new TesseraError('NO_CREDENTIALS', 'no refresh token to refresh with');
    }
    for (let attempt = 0; ; attempt++) {
      if (!options.running()) throw new TesseraError('CLIENT_CLOSED', 'token manager stopped');
      const current = held();
      if (current !== startPair && current && usable(current)) return current;
      try {
        const result = await api.refresh(startPair?.refreshToken);
        const now = held();
        if (now !== startPair) {
          // Superseded while in flight (signed in, logged out): the older result must not win.
          if (now) return now;
          throw new TesseraError('NO_CREDENTIALS', 'signed out during refresh');
        }
        options.take(result.tokens, 'server', result);
        // Before the lock goes to the next tab: stored, and the broadcast given time to arrive.
        await options.persisted();
        if (options.coordinator()) await sleep(clock, HANDOVER_MS).done;
        return result.tokens;
      } catch (error) {
        if (!isRetryableError(error) || attempt + 1 >= options.maxRefreshAttempts) throw error;
        const delayMs = Math.max(backoffDelayMs(attempt, options.retry), (error as TesseraError).retryAfterMs ?? 0);
        dispatch({ type: 'retrying' });
        const pause = sleep(clock, delayMs);
        wakeRetry = pause.wake;
        await pause.done;
        wakeRetry = null;
        dispatch({ type: 'refreshing' });
      }
    }
  }

  return {
    refresh,
    get inFlight() {
      return inflight !== null;
    },
    schedule,
    wake: () => wakeRetry?.(),
    async settled() {
      await inflight?.catch(() => undefined);
    },
    stop() {
      clock.clearTimeout(timer);
      timer = undefined;
      wakeRetry?.();
    },
  };
}
