import type { ClientFrame, SignInFlowStart } from '@tessera/protocol';
import type { SignInFlowRequest } from './api.js';
import type { AuthenticatedEvent } from './chat-events.js';
import type { EmailCodePurpose, EmailSignInApi } from './email-sign-in-api.js';
import { TesseraError } from './errors.js';
import type { TokenManager } from './token-manager.js';

/** A magic link's sign-in flow: keep `flowSecret`, show `matchCode`, redeem it on `flow_completed`. */
export interface MagicLinkFlow extends SignInFlowStart {
  /** Two digits to show while waiting: the link's page asks for them when opened in another browser. */
  matchCode: string;
}

/**
 * Passwordless sign-in by email, on the chat client. Both need the tenant to send mail (SMTP, or
 * the demo mailbox); without it Tessera answers `UNAVAILABLE`.
 *
 *     await client.requestEmailCode(email);
 *     await client.signInWithEmailCode(email, code); // CODE_INVALID: wrong, used or expired
 *
 *     const flow = await client.requestMagicLink(email); // show flow.matchCode
 *     client.on('flow_completed', ({ flowId }) => flowId === flow.flowId && client.redeemSignInFlow(flow));
 */
export interface EmailSignInMethods {
  /**
   * Mails a six-digit code to `email` (`POST /v1/auth/email-code`). It resolves alike for every
   * address (an unknown one gets a code only when the tenant allows sign-up). A code lives 10
   * minutes, works once, and takes 5 tries.
   */
  requestEmailCode(email: string, options?: { purpose?: EmailCodePurpose }): Promise<void>;
  /**
   * Signs in with the mailed code (spaces are ignored): in-band on the open socket, which stays
   * open as the user's, else over HTTP. The conversation is kept. A wrong, used or expired code
   * rejects with `CODE_INVALID`; an unknown address becomes an account (its user id is the email).
   */
  signInWithEmailCode(email: string, code: string): Promise<AuthenticatedEvent>;
  /**
   * Mails a link that signs this chat in once the person confirms it (`POST /v1/auth/flows
   * {method: "magic_link"}`). Show `matchCode` while waiting ("On another device? Enter 42"); on
   * `flow_completed` for `flowId`, `redeemSignInFlow(flow)`. The call carries credentials, so
   * this browser keeps the cookie that makes confirming here one click (where it keeps Tessera's
   * cookies: the same origin or site).
   */
  requestMagicLink(email: string): Promise<MagicLinkFlow>;
}

export interface EmailSignInMethodsOptions {
  api: EmailSignInApi;
  tokens: TokenManager;
  publishableKey?: string;
  /** Starts a sign-in flow of the session (the chat client's `startSignInFlow`). */
  startFlow(request: SignInFlowRequest): Promise<SignInFlowStart>;
  /** The chat client's one sign-in path: in-band on the open socket, else `POST /v1/auth/link`. */
  signIn(frame: Extract<ClientFrame, { type: 'authenticate' }>, body: Record<string, unknown>): Promise<AuthenticatedEvent>;
}

export function createEmailSignInMethods({
  api,
  tokens,
  publishableKey,
  startFlow,
  signIn,
}: EmailSignInMethodsOptions): EmailSignInMethods {
  return {
    async requestEmailCode(email, options = {}) {
      if (publishableKey) return api.requestCode({ publishableKey }, email.trim(), options.purpose);
      await tokens.settled();
      const accessToken = await tokens.getAccessToken({ createSession: true });
      if (!accessToken) throw new TesseraError('NO_CREDENTIALS', 'no session to ask for a code');
      return api.requestCode({ accessToken }, email.trim(), options.purpose);
    },

    signInWithEmailCode(rawEmail, rawCode) {
      const email = rawEmail.trim();
      const code = rawCode.replace(/\s+/g, '');
      return signIn({ type: 'authenticate', method: 'email_code', email, code }, { method: 'email_code', email, code });
    },

    async requestMagicLink(email) {
      const started = await startFlow({ method: 'magic_link', email: email.trim() });
      if (typeof started.matchCode !== 'string') throw new TesseraError('INTERNAL', 'the magic link came without a match code');
      return { ...started, matchCode: started.matchCode };
    },
  };
}
