import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStorage } from '../src/storage/memory-storage.js';
import { createCookieStorage } from '../src/storage/cookie-storage.js';
import { createTokenManager, type TokenManager, type TokenManagerOptions } from '../src/token-manager.js';
import { TesseraError } from '../src/errors.js';
import { FakeClock, settle } from './support/fake-clock.js';
import { errorBody, fakeFetch, type Reply } from './support/fake-fetch.js';
import { makePair } from './support/tokens.js';

const MINUTE = 60_000;
const managers: TokenManager[] = [];

function setup(respond: (call: { body: any }, index: number) => Reply | Promise<Reply>, options: Partial<TokenManagerOptions> = {}) {
  const clock = new FakeClock();
  const { fetch, calls } = fakeFetch(respond);
  const storage = options.storage ?? createMemoryStorage();
  const onTokenRefresh = vi.fn();
  const onRefreshError = vi.fn();
  const manager = createTokenManager({
    baseUrl: 'https://tessera.test',
    fetch,
    clock,
    storage,
    crossTab: false,
    watchEnvironment: false,
    onTokenRefresh,
    onRefreshError,
    ...options,
  });
  managers.push(manager);
  return { clock, calls, manager, storage, onTokenRefresh, onRefreshError };
}

/** A refresh endpoint that issues a fresh 15-minute pair on the (fake) server clock. */
const issuing =
  (clock: { now(): number }, lifetimeMs = 15 * MINUTE) =>
  (): Reply => ({
    body: makePair(clock.now(), lifetimeMs),
  });

afterEach(() => {
  for (const manager of managers.splice(0)) manager.stop();
});

describe('token manager: scheduling', () => {
  it('refreshes at expiry minus refreshBufferMs (5 minutes by default)', async () => {
    let clock!: FakeClock;
    const ctx = setup(() => issuing(clock)());
    clock = ctx.clock;
    const pair = makePair(clock.now(), 15 * MINUTE);
    await ctx.manager.setTokens(pair);

    await clock.advance(10 * MINUTE - 1);
    expect(ctx.calls).toHaveLength(0);
    await clock.advance(1);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.calls[0]!.url).toBe('https://tessera.test/v1/auth/refresh');
    expect(ctx.calls[0]!.body).toEqual({ refreshToken: pair.refreshToken });
    expect(ctx.onTokenRefresh).toHaveBeenCalledTimes(2); // the pair we set, then the refreshed one
    expect(ctx.manager.current()!.accessToken).not.toBe(pair.accessToken);

    // The next refresh is scheduled from the new expiry.
    await clock.advance(10 * MINUTE - 1);
    expect(ctx.calls).toHaveLength(1);
    await clock.advance(1);
    expect(ctx.calls).toHaveLength(2);
    expect(ctx.onRefreshError).not.toHaveBeenCalled();
  });

  it('honours a custom refreshBufferMs', async () => {
    let clock!: FakeClock;
    const ctx = setup(() => issuing(clock, 60 * MINUTE)(), { refreshBufferMs: 10 * MINUTE });
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now(), 60 * MINUTE));
    await clock.advance(50 * MINUTE - 1);
    expect(ctx.calls).toHaveLength(0);
    await clock.advance(1);
    expect(ctx.calls).toHaveLength(1);
  });

  it('clamps the buffer to half the lifetime of short-lived tokens', async () => {
    let clock!: FakeClock;
    const ctx = setup(() => issuing(clock, 60_000)());
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now(), 60_000));
    await clock.advance(29_999);
    expect(ctx.calls).toHaveLength(0);
    await clock.advance(1);
    expect(ctx.calls).toHaveLength(1);
  });

  it('corrects for a client clock that runs ahead of the server (from the token iat)', async () => {
    let clock!: FakeClock;
    const skewMs = 10 * MINUTE; // local clock is 10 minutes ahead
    const ctx = setup(() => ({ body: makePair(clock.now() - skewMs) }));
    clock = ctx.clock;
    // Issued now on the server's clock: expires 5 minutes from now on ours, naively.
    await ctx.manager.setTokens(makePair(clock.now() - skewMs, 15 * MINUTE));
    expect(Math.abs(ctx.manager.serverOffsetMs() + skewMs)).toBeLessThanOrEqual(1000);

    await clock.advance(1);
    expect(ctx.calls).toHaveLength(0); // a naive client would refresh at once
    // The estimate is good to the second (Date and iat are whole seconds).
    await clock.advance(10 * MINUTE - 1000);
    expect(ctx.calls).toHaveLength(0);
    await clock.advance(2000);
    expect(ctx.calls).toHaveLength(1);
  });

  it('corrects for skew from the Date header of a refresh response', async () => {
    let clock!: FakeClock;
    const skewMs = -7 * MINUTE; // local clock 7 minutes behind
    const ctx = setup(() => ({
      body: { ...makePair(clock.now() - skewMs), accessToken: 'opaque' },
      headers: { date: new Date(clock.now() - skewMs).toUTCString() },
    }));
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now(), 2 * MINUTE));
    await clock.advance(MINUTE); // half the lifetime: refresh
    expect(ctx.calls).toHaveLength(1);
    expect(Math.abs(ctx.manager.serverOffsetMs() - 7 * MINUTE)).toBeLessThanOrEqual(1000);
  });

  it('checks at once when the device wakes, even though no timer fired', async () => {
    let clock!: FakeClock;
    const ctx = setup(() => issuing(clock)());
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now(), 15 * MINUTE));
    clock.jump(20 * MINUTE); // asleep: timers did not run
    ctx.manager.check(); // visibilitychange / online
    await settle();
    expect(ctx.calls).toHaveLength(1);
    expect(await ctx.manager.getAccessToken()).toBe(ctx.manager.current()!.accessToken);
  });

  it('notices timer drift within one timer chunk', async () => {
    let clock!: FakeClock;
    const ctx = setup(() => issuing(clock)());
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now(), 60 * MINUTE));
    clock.jump(58 * MINUTE); // slept; then the next (≤30 s) timer chunk fires
    await clock.advance(30_000);
    expect(ctx.calls).toHaveLength(1);
  });

  it('getAccessToken refreshes an expired token before handing it out', async () => {
    let clock!: FakeClock;
    const ctx = setup(() => issuing(clock)());
    clock = ctx.clock;
    const old = makePair(clock.now(), 15 * MINUTE);
    await ctx.manager.setTokens(old);
    ctx.manager.stop(); // no timers: simulate a frozen tab
    clock.jump(16 * MINUTE);
    const token = await ctx.manager.getAccessToken();
    expect(token).not.toBe(old.accessToken);
    expect(ctx.calls).toHaveLength(1);
  });
});

describe('token manager: one refresh at a time', () => {
  it('shares one refresh among 50 concurrent callers', async () => {
    let clock!: FakeClock;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ctx = setup(async () => {
      await gate;
      return issuing(clock)();
    });
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now(), 15 * MINUTE));
    clock.jump(20 * MINUTE); // expired
    const results = Promise.all([
      ...Array.from({ length: 25 }, () => ctx.manager.getAccessToken()),
      ...Array.from({ length: 25 }, () => ctx.manager.refresh().then((pair) => pair.accessToken)),
    ]);
    await settle();
    release();
    const tokens = await results;
    expect(ctx.calls).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toBe(ctx.manager.current()!.accessToken);
  });

  it('lets newer tokens set during a refresh win over the refresh result', async () => {
    let clock!: FakeClock;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ctx = setup(async () => {
      await gate;
      return issuing(clock)();
    });
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now()));
    const refreshing = ctx.manager.refresh();
    await settle();
    const signedIn = makePair(clock.now(), 15 * MINUTE, { auth: 'user', uid: 'u1', ver: 2 });
    await ctx.manager.setTokens(signedIn);
    release();
    expect((await refreshing).accessToken).toBe(signedIn.accessToken);
    expect(ctx.manager.current()).toEqual(signedIn);
  });
});

describe('token manager: failures', () => {
  it('retries network and 5xx failures with full-jitter backoff that grows and is capped', async () => {
    const ctx = setup((_call, index) => (index % 2 ? { status: 503, body: errorBody('UNAVAILABLE') } : new Error('offline')), {
      random: () => 0.999_999,
      minRetryDelayMs: 1000,
      maxRetryDelayMs: 30_000,
      maxRefreshAttempts: 8,
    });
    const { clock } = ctx;
    await ctx.manager.setTokens(makePair(clock.now(), 15 * MINUTE));
    const before = clock.delays.length;
    const refreshing = ctx.manager.refresh().catch((error: unknown) => error);
    await clock.advance(5 * MINUTE);
    const error = await refreshing;
    expect(error).toBeInstanceOf(TesseraError);
    expect(ctx.calls).toHaveLength(8);
    // While refreshing, the only timers are the 15 s request timeouts and the backoff sleeps.
    const backoff = clock.delays
      .slice(before)
      .filter((ms) => ms !== 15_000)
      .slice(0, 7);
    expect(backoff).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
    // Reported once, not terminal: the pair is kept for a later round.
    expect(ctx.onRefreshError).toHaveBeenCalledTimes(1);
    expect(ctx.manager.current()).not.toBeNull();
  });

  it('with random jitter every retry delay stays within [0, min(cap, base * 2^n))', async () => {
    let draws = 0;
    const ctx = setup(() => new Error('offline'), {
      random: () => [0.3, 0.9, 0.1, 0.7, 0.5, 0.99][draws++ % 6]!,
      maxRefreshAttempts: 6,
    });
    await ctx.manager.setTokens(makePair(ctx.clock.now()));
    const start = ctx.clock.delays.length;
    const refreshing = ctx.manager.refresh().catch(() => undefined);
    await ctx.clock.advance(5 * MINUTE);
    await refreshing;
    const delays = ctx.clock.delays.slice(start).filter((ms) => ms !== 15_000);
    expect(delays.slice(0, 5)).toEqual([300, 1800, 400, 5600, 8000]);
  });

  it('resumes retrying at once when the network comes back', async () => {
    let online = false;
    let clock!: FakeClock;
    const ctx = setup(() => (online ? issuing(clock)() : new Error('offline')), { random: () => 0.99 });
    clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now()));
    const refreshing = ctx.manager.refresh();
    await clock.advance(100);
    expect(ctx.calls).toHaveLength(1);
    online = true;
    ctx.manager.check(); // the `online` event
    await settle();
    await refreshing;
    expect(ctx.calls).toHaveLength(2);
  });

  for (const code of ['INVALID_TOKEN', 'SESSION_REVOKED', 'REFRESH_TOKEN_REUSED']) {
    it(`stops at ${code}: no retry, storage cleared, onRefreshError called`, async () => {
      const ctx = setup(() => ({ status: 401, body: errorBody(code) }));
      const { clock } = ctx;
      await ctx.manager.setTokens(makePair(clock.now()));
      expect(await ctx.storage.load()).not.toBeNull();
      await expect(ctx.manager.refresh()).rejects.toMatchObject({ code });
      await settle();
      expect(ctx.calls).toHaveLength(1);
      expect(await ctx.storage.load()).toBeNull();
      expect(ctx.manager.current()).toBeNull();
      expect(ctx.manager.state).toBe('empty');
      expect(ctx.onRefreshError).toHaveBeenCalledTimes(1);
      expect(ctx.onRefreshError.mock.calls[0]![0]).toMatchObject({ code });
      await clock.advance(60 * MINUTE);
      expect(ctx.calls).toHaveLength(1);
      expect(await ctx.manager.getAccessToken()).toBeNull();
    });
  }

  it('asks the tokenProvider for a fresh pair after a terminal failure, without reporting it', async () => {
    const fresh = makePair(Date.UTC(2026, 0, 1), 15 * MINUTE, { sid: 'sess_2', uid: 'u1', auth: 'user' });
    const tokenProvider = vi.fn(async () => fresh);
    const ctx = setup(() => ({ status: 401, body: errorBody('SESSION_REVOKED') }), { tokenProvider });
    const clock = ctx.clock;
    await ctx.manager.setTokens(makePair(clock.now()));
    expect(await ctx.manager.refresh()).toEqual(fresh);
    expect(tokenProvider).toHaveBeenCalledTimes(1);
    expect(ctx.onRefreshError).not.toHaveBeenCalled();
    expect(await ctx.storage.load()).toEqual(fresh);
  });
});

describe('token manager: where tokens come from', () => {
  it('calls the tokenProvider when it has nothing, once for concurrent callers', async () => {
    const clock = new FakeClock();
    const pair = makePair(clock.now());
    const tokenProvider = vi.fn(async () => pair);
    const ctx = setup(() => new Error('unused'), { tokenProvider });
    const tokens = await Promise.all([ctx.manager.getAccessToken(), ctx.manager.getAccessToken()]);
    expect(tokens).toEqual([pair.accessToken, pair.accessToken]);
    expect(tokenProvider).toHaveBeenCalledTimes(1);
  });

  it('starts an anonymous session with the publishable key', async () => {
    const clock = new FakeClock();
    const pair = makePair(clock.now());
    const ctx = setup(() => ({ status: 201, body: { ...pair, session: { id: 'sess_1' } } }), { publishableKey: 'pk_k_r' });
    expect(await ctx.manager.getAccessToken()).toBe(pair.accessToken);
    expect(ctx.calls[0]!.url).toBe('https://tessera.test/v1/sessions');
    expect((ctx.calls[0]!.init.headers as Record<string, string>)['x-tessera-key']).toBe('pk_k_r');
    expect(await ctx.manager.getAccessToken({ createSession: false })).toBe(pair.accessToken);
  });

  it('returns null with no tokens when it may not create a session', async () => {
    const ctx = setup(() => new Error('unused'), { publishableKey: 'pk_k_r' });
    expect(await ctx.manager.getAccessToken({ createSession: false })).toBeNull();
    expect(ctx.calls).toHaveLength(0);
  });

  it('starts a session when asked to after an earlier call that could not (no stale answer is kept)', async () => {
    const clock = new FakeClock();
    const pair = makePair(clock.now());
    const ctx = setup(() => ({ status: 201, body: { ...pair, session: { id: 'sess_1' } } }), { publishableKey: 'pk_k_r' });
    expect(await ctx.manager.getAccessToken({ createSession: false })).toBeNull();
    expect(await ctx.manager.getAccessToken()).toBe(pair.accessToken);
    expect(ctx.calls.map((call) => call.url)).toEqual(['https://tessera.test/v1/sessions']);
  });

  it('prefers newer stored tokens of the same session over initialTokens (never replays a rotated refresh token)', async () => {
    const clock = new FakeClock();
    const initial = makePair(clock.now() - 20 * MINUTE);
    const rotated = makePair(clock.now());
    const storage = createMemoryStorage();
    storage.save(rotated);
    const ctx = setup(() => new Error('unused'), { storage, initialTokens: initial });
    await ctx.manager.start();
    expect(ctx.manager.current()).toEqual(rotated);
  });

  it('in cookie mode refreshes with the cookie and a CSRF header, and stores no refresh token', async () => {
    let clock!: FakeClock;
    const storage = createCookieStorage();
    const ctx = setup(() => ({ body: { accessToken: makePair(clock.now()).accessToken, expiresAt: clock.now() + 15 * MINUTE } }), {
      storage,
    });
    clock = ctx.clock;
    // After a reload: nothing in memory, the cookie is probed.
    const token = await ctx.manager.getAccessToken();
    expect(token).toBeTruthy();
    const call = ctx.calls[0]!;
    expect(call.url).toBe('https://tessera.test/v1/auth/refresh');
    expect(call.body).toEqual({});
    expect(call.init.credentials).toBe('include');
    expect((call.init.headers as Record<string, string>)['x-tessera-csrf']).toBe('1');
    await ctx.manager.refresh();
    expect(ctx.calls).toHaveLength(2);
    expect((await storage.load())?.refreshToken).toBeUndefined();
  });

  it('in cookie mode with no cookie, falls back to a new cookie session', async () => {
    const clock = new FakeClock();
    const pair = makePair(clock.now());
    const ctx = setup(
      (call) =>
        call.body?.tokenTransport === 'cookie'
          ? { status: 201, body: { accessToken: pair.accessToken, expiresAt: pair.expiresAt } }
          : { status: 401, body: errorBody('UNAUTHENTICATED') },
      { storage: createCookieStorage(), publishableKey: 'pk_k_r' },
    );
    expect(await ctx.manager.getAccessToken()).toBe(pair.accessToken);
    expect(ctx.calls.map((c) => c.url)).toEqual(['https://tessera.test/v1/auth/refresh', 'https://tessera.test/v1/sessions']);
    expect(ctx.calls[1]!.init.credentials).toBe('include');
    expect(ctx.onRefreshError).not.toHaveBeenCalled();
  });
});
