import { TesseraError, type ChatClient, type SignInProviderInfo, type TesseraErrorCode, type UserInfo } from '@tessera/client';
import { createPendingFlowMemory, type PendingFlow } from './pending-flow.js';
import { t } from './strings.js';

/** Where the provider sign-in of this tab stands, for the cards that show it. */
export type FlowStatus =
  | { state: 'starting' }
  /** The popup shows the provider's page. */
  | { state: 'waiting' }
  /** The popup was closed before the flow finished: nothing to show (a late completion still signs in). */
  | { state: 'idle' }
  | { state: 'failed'; error: unknown }
  | { state: 'signed-in' };

/** Shows a status; returns whether it was shown (a card still on the page). */
export type FlowStatusListener = (status: FlowStatus) => boolean;

export interface SocialSignInOptions {
  client: ChatClient;
  /** Tessera's origin: its callback page posts `{type: "tessera:flow"}` from there, and only from there. */
  origin: string;
  /** The server's time now (flows expire on its clock). */
  now(): number;
  /** A failure no card is left to show (after a redirect, or the card was dismissed). */
  notice(error: unknown): void;
}

/** "Continue with {provider}": a sign-in that finishes on the provider's page, in a popup or a redirect. */
export interface SocialSignIn {
  /** The tenant's providers, once loaded. */
  readonly providers: readonly SignInProviderInfo[];
  load(): Promise<readonly SignInProviderInfo[]>;
  /**
   * Call it inside the click handler: the popup is opened at once, so blockers allow it (if it is
   * blocked, the page goes to the provider and comes back). Resolves when this flow signed the chat
   * in, rejects when it failed; stays pending if the popup is just closed, or the page goes away.
   */
  start(providerId: string): Promise<UserInfo>;
  /** A flow left by a redirect (or a reload) in this tab: redeemed once the provider is done. */
  resume(): void;
  onStatus(listener: FlowStatusListener): () => void;
  detach(): void;
}

interface Tracked extends PendingFlow {
  popup: Window | null;
  done: boolean;
  resolve(user: UserInfo): void;
  reject(error: unknown): void;
}

const POPUP_NAME = 'tessera-signin';
const POPUP_FEATURES = 'popup,width=480,height=640';
const POPUP_POLL_MS = 500;
/** After the popup closes, its message or the socket's event may still be on the way. */
const CLOSE_GRACE_MS = 1500;

export function createSocialSignIn({ client, origin, now, notice }: SocialSignInOptions): SocialSignIn {
  const memory = createPendingFlowMemory(origin, now);
  const listeners = new Set<FlowStatusListener>();
  let providers: readonly SignInProviderInfo[] = [];
  let loading: Promise<readonly SignInProviderInfo[]> | null = null;
  let current: Tracked | null = null;
  let pollTimer: ReturnType<typeof setInterval> | undefined;

  function tell(status: FlowStatus): void {
    let shown = false;
    for (const listener of [...listeners]) shown = listener(status) || shown;
    if (status.state === 'failed' && !shown) notice(status.error);
  }

  function track(flow: PendingFlow, popup: Window | null, settle: Pick<Tracked, 'resolve' | 'reject'>): Tracked {
    if (current && !current.done) current.done = true; // a newer attempt replaces it
    stopWatching();
    current = { ...flow, popup, done: false, ...settle };
    memory.keep(flow);
    return current;
  }

  /** The one way a flow ends here: forgotten first, so that nothing redeems it twice. */
  function finish(flow: Tracked): boolean {
    if (flow.done) return false;
    flow.done = true;
    memory.forget();
    if (flow === current) stopWatching();
    return true;
  }

  function redeem(flow: Tracked): void {
    if (!finish(flow)) return;
    client.redeemSignInFlow(flow).then(
      ({ user }) => {
        flow.resolve(user);
        tell({ state: 'signed-in' });
      },
      (error: unknown) => fail(flow, error, true),
    );
  }

  function fail(flow: Tracked, error: unknown, finished = false): void {
    if (!finished && !finish(flow)) return;
    // (the popup is left alone: Tessera's callback page in it says what happened, tells us too, and closes)
    flow.reject(error);
    tell({ state: 'failed', error });
  }

  /** Settles a flow by what the server says of it (after a redirect, or once the popup closed). */
  function settleByState(flow: Tracked): void {
    client.signInFlowState(flow.flowId).then(
      (state) => {
        if (flow.done) return;
        // A failed flow is redeemed too: the refusal says why (FLOW_DENIED: the person said no).
        if (state === 'completed' || state === 'failed') redeem(flow);
        else if (state === 'expired') fail(flow, new TesseraError('FLOW_EXPIRED', 'the sign-in expired'));
        // Pending: its completion may still come over the socket; a closed popup just frees the buttons.
        else if (flow.popup) tell({ state: 'idle' });
      },
      () => {
        if (flow.popup) tell({ state: 'idle' });
        else finish(flow); // e.g. not this session's (any more): forgotten quietly
      },
    );
  }

  function watchPopup(flow: Tracked): void {
    pollTimer = setInterval(() => {
      if (!flow.popup?.closed || flow.done) return;
      stopWatching();
      setTimeout(() => {
        if (!flow.done) settleByState(flow);
      }, CLOSE_GRACE_MS);
    }, POPUP_POLL_MS);
  }

  function stopWatching(): void {
    clearInterval(pollTimer);
    pollTimer = undefined;
  }

  function openPopup(): Window | null {
    let popup: Window | null = null;
    try {
      popup = window.open('', POPUP_NAME, POPUP_FEATURES);
    } catch {
      return null;
    }
    if (!popup || popup.closed) return null;
    try {
      popup.document.title = t.signingIn;
      popup.document.body.textContent = t.openingSignIn;
    } catch {
      // a window of another origin (an earlier attempt's): it is about to be navigated anyway
    }
    return popup;
  }

  /** Starts the flow on the server, then sends the popup (or, without one, this page) to the provider. */
  async function begin(providerId: string, popup: Window | null, settle: Pick<Tracked, 'resolve' | 'reject'>): Promise<void> {
    const returnTo = popup ? undefined : location.href;
    const started = await client.startSignInFlow({ method: 'oauth', provider: providerId, ...(returnTo && { returnTo }) });
    if (!started.url) throw new TesseraError('INTERNAL', 'the sign-in flow has no page to open');
    const { flowId, flowSecret, expiresAt, url } = started;
    const flow = track({ flowId, flowSecret, expiresAt }, popup, settle);
    if (!popup) {
      location.assign(url); // redirect mode: back at returnTo, `resume()` redeems it
      return;
    }
    popup.location.href = url;
    tell({ state: 'waiting' });
    watchPopup(flow);
  }

  const onMessage = (event: MessageEvent) => {
    if (event.origin !== origin) return;
    const data = event.data as { type?: unknown; flowId?: unknown; state?: unknown; code?: unknown } | null;
    if (data?.type !== 'tessera:flow' || !current || data.flowId !== current.flowId) return;
    if (data.state === 'completed') redeem(current);
    else if (data.state === 'failed') {
      const code = (typeof data.code === 'string' ? data.code : 'FLOW_DENIED') as TesseraErrorCode;
      fail(current, new TesseraError(code, 'the sign-in did not complete'));
    }
  };
  addEventListener('message', onMessage);
  const unsubscribe = [
    client.on('flow_completed', ({ flowId }) => {
      if (current?.flowId === flowId) redeem(current);
    }),
    client.on('flow_failed', ({ flowId, error }) => {
      if (current?.flowId === flowId) fail(current, error);
    }),
  ];

  return {
    get providers() {
      return providers;
    },

    load() {
      loading ??= client.signInProviders().then(
        (list) => (providers = list),
        () => {
          loading = null; // e.g. offline: try again next time
          return providers;
        },
      );
      return loading;
    },

    start(providerId) {
      const popup = openPopup(); // synchronously, inside the click
      tell({ state: 'starting' });
      return new Promise<UserInfo>((resolve, reject) => {
        void begin(providerId, popup, { resolve, reject }).catch((error: unknown) => {
          popup?.close();
          reject(error);
          tell({ state: 'failed', error });
        });
      });
    },

    resume() {
      const saved = memory.read();
      if (!saved || current) return;
      const flow = track(saved, null, { resolve: () => undefined, reject: () => undefined });
      settleByState(flow);
    },

    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    detach() {
      stopWatching();
      removeEventListener('message', onMessage);
      for (const undo of unsubscribe) undo();
      listeners.clear();
    },
  };
}
