import { TesseraError, type AuthenticatedEvent, type ChatClient, type MagicLinkFlow } from '@tessera/client';
import { createPendingFlowMemory, type PendingFlow } from './pending-flow.js';
import { errorText } from './text.js';
import { t } from './strings.js';

/** Where the magic link of this tab stands, for the cards that show it. */
export type MagicLinkStatus =
  /** Mailed: show the match code until the link is confirmed (here or on another device). */
  | { state: 'waiting'; email: string; matchCode: string }
  | { state: 'signing-in' }
  | { state: 'signed-in' }
  | { state: 'failed'; error: unknown };

/** Shows a status; returns whether it was shown (a card still on the page). */
export type MagicLinkStatusListener = (status: MagicLinkStatus) => boolean;

export interface EmailSignInOptions {
  client: ChatClient;
  /** Offered at all (`emailSignIn: true`): the page says the tenant can send mail. */
  enabled: boolean;
  /** Tessera's origin: names this tab's waiting link in sessionStorage. */
  origin: string;
  /** The server's time now (flows expire on its clock). */
  now(): number;
  /** A failure no card is left to show. */
  notice(text: string): void;
}

/** "Email me a code" and "Email me a link": the chat signs in by an address the person reads. */
export interface EmailSignIn {
  readonly enabled: boolean;
  /** Mails a six-digit code (the same answer for any address). */
  requestCode(email: string, purpose?: 'signup'): Promise<void>;
  /** Signs this chat in with the code; the conversation is kept. */
  signInWithCode(email: string, code: string): Promise<AuthenticatedEvent>;
  /**
   * Mails a link. Resolves with its match code once mailed; the chat is signed in (live, by the
   * socket's `flow_completed`) whenever the link is confirmed, even if the card was closed.
   */
  sendLink(email: string): Promise<MagicLinkFlow>;
  onStatus(listener: MagicLinkStatusListener): () => void;
  /** On every (re)connect: a link waiting in this tab (after a reload, or a dropped socket) is redeemed if it was confirmed. */
  resume(): void;
  detach(): void;
}

interface Tracked extends PendingFlow {
  done: boolean;
}

export function createEmailSignIn({ client, enabled, origin, now, notice }: EmailSignInOptions): EmailSignIn {
  const memory = createPendingFlowMemory(`${origin}#magic-link`, now);
  const listeners = new Set<MagicLinkStatusListener>();
  let current: Tracked | null = null;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;

  /** `quiet`: a failure no card shows is not worth a notice (a link left to expire). */
  function tell(status: MagicLinkStatus, quiet = false): void {
    let shown = false;
    for (const listener of [...listeners]) shown = listener(status) || shown;
    if (status.state === 'failed' && !shown && !quiet) notice(magicLinkErrorText(status.error));
  }

  function track(flow: PendingFlow): Tracked {
    if (current) current.done = true; // a newer link replaces it
    clearTimeout(expiryTimer);
    current = { ...flow, done: false };
    memory.keep(flow);
    const tracked = current;
    // (setTimeout's limit is about 24.8 days; a flow lives minutes.)
    const expire = () => fail(tracked, new TesseraError('FLOW_EXPIRED', 'the link expired'), true);
    expiryTimer = setTimeout(expire, Math.max(0, flow.expiresAt - now()));
    return tracked;
  }

  /** The one way a link ends here: forgotten first, so that nothing redeems it twice. */
  function finish(flow: Tracked): boolean {
    if (flow.done) return false;
    flow.done = true;
    memory.forget();
    if (flow === current) clearTimeout(expiryTimer);
    return true;
  }

  function redeem(flow: Tracked): void {
    if (!finish(flow)) return;
    tell({ state: 'signing-in' });
    client.redeemSignInFlow(flow).then(
      () => tell({ state: 'signed-in' }),
      (error: unknown) => tell({ state: 'failed', error }),
    );
  }

  function fail(flow: Tracked, error: unknown, quiet = false): void {
    if (finish(flow)) tell({ state: 'failed', error }, quiet);
  }

  /** What the server says of the link (after a reload, or a reconnect that may have missed its event). */
  function settleByState(flow: Tracked): void {
    client.signInFlowState(flow.flowId).then(
      (state) => {
        if (flow.done) return;
        // A failed flow is redeemed too: the refusal says why.
        if (state === 'completed' || state === 'failed') redeem(flow);
        else if (state === 'expired') fail(flow, new TesseraError('FLOW_EXPIRED', 'the link expired'), true);
      },
      () => undefined, // e.g. offline: the next connect asks again
    );
  }

  const unsubscribe = [
    client.on('flow_completed', ({ flowId }) => {
      if (current?.flowId === flowId) redeem(current);
    }),
    client.on('flow_failed', ({ flowId, error }) => {
      if (current?.flowId === flowId) fail(current, error);
    }),
    // Signed in some other way: the link has nothing left to do.
    client.on('authenticated', () => {
      if (current) finish(current);
    }),
  ];

  return {
    enabled,
    requestCode: (email, purpose) => client.requestEmailCode(email, purpose ? { purpose } : {}),
    signInWithCode: (email, code) => client.signInWithEmailCode(email, code),

    async sendLink(email) {
      const flow = await client.requestMagicLink(email);
      const { flowId, flowSecret, expiresAt } = flow;
      track({ flowId, flowSecret, expiresAt });
      tell({ state: 'waiting', email: email.trim(), matchCode: flow.matchCode });
      return flow;
    },

    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    resume() {
      if (!enabled) return;
      if (current && !current.done) return settleByState(current);
      const saved = memory.read();
      if (saved && saved.flowId !== current?.flowId) settleByState(track(saved));
    },

    detach() {
      clearTimeout(expiryTimer);
      for (const undo of unsubscribe) undo();
      listeners.clear();
    },
  };
}

/** What went wrong, for people: codes and links first, then the widget's usual words. */
export function emailErrorText(error: unknown): string {
  const { code } = (error ?? {}) as { code?: string };
  switch (code) {
    case 'CODE_INVALID':
      return t.errCodeInvalid;
    case 'RATE_LIMITED':
      return t.errTooManyEmails;
    case 'UNAVAILABLE':
      return t.errEmailUnavailable;
    case 'BAD_REQUEST':
      return t.errCheckEmail;
    default:
      return errorText(error);
  }
}

/** Why a link did not sign the chat in. */
export function magicLinkErrorText(error: unknown): string {
  const { code } = (error ?? {}) as { code?: string };
  if (code === 'CODE_INVALID') return t.errLinkRefused;
  if (code === 'FLOW_EXPIRED') return t.errLinkExpired;
  return emailErrorText(error);
}
