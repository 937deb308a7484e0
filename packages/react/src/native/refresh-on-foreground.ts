import type { TokenManager } from '@tessera/client';

/** `AppState` from `react-native` (the part used here). */
export interface AppStateModule {
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
}

export interface RefreshOnForegroundOptions {
  /** Refresh at once when the access token expires within this. Default 5 minutes (the SDK's refresh buffer). */
  withinMs?: number;
  /** Local time, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * Timers do not run while an app is in the background, so a token may be due (or dead) when it
 * comes back: on every return to `active`, refreshes at once when the access token expires within
 * `withinMs` (by the server's clock), and otherwise lets the client re-check its schedule; then
 * wakes the socket (a reconnect waiting out its delay goes now, an open one is pinged).
 * Starts the token manager if nothing did yet. A failure is told through `onRefreshError` / the
 * `error` event, as any refresh. Returns the unsubscribe.
 */
export function refreshOnForeground(
  client: { tokens: TokenManager; wake?(): void },
  AppState: AppStateModule,
  options: RefreshOnForegroundOptions = {},
): () => void {
  const withinMs = options.withinMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const { tokens } = client;
  async function returned(): Promise<void> {
    await tokens.start(); // loads the stored pair, if nothing did yet
    const pair = tokens.current();
    if (pair && pair.expiresAt - (now() + tokens.serverOffsetMs()) <= withinMs) await tokens.refresh();
    else tokens.check();
    client.wake?.();
  }
  const subscription = AppState.addEventListener('change', (state) => {
    if (state !== 'active') return;
    returned().catch(() => {
      /* told through onRefreshError and the client's `error` event */
    });
  });
  return () => subscription.remove();
}
