import { h } from './dom.js';
import { createEmailCodeForm, type EmailCodeActions } from './email-code-form.js';

/**
 * Why a hosted account's address needs its code: just signed up (the server mailed a code
 * instead of signing in), or a password sign-in on an account whose address was never proven.
 */
export type ConfirmEmailReason = 'signed-up' | 'unconfirmed';

/**
 * The hosted-accounts form's code step: the six digits mailed to `email`, which prove the
 * address and sign the chat in (the conversation stays); "Send a new code" mails another.
 */
export function createConfirmEmailStep(
  codes: EmailCodeActions,
  email: string,
  reason: ConfirmEmailReason,
  extra: HTMLElement[] = [],
): HTMLFormElement {
  const address = h('strong', {}, email);
  const intro =
    reason === 'signed-up'
      ? h('p', {}, 'We sent a code to ', address, '. Enter it to confirm your address and sign in.')
      : h('p', {}, 'Please confirm your email address first: enter the code we sent to ', address, ', or send a new one.');
  // A new code for the sign-up itself, so the password chosen there stays.
  const resend: EmailCodeActions = { ...codes, requestCode: (address) => codes.requestCode(address, 'signup') };
  return createEmailCodeForm({ codes: resend, email, intro, extra });
}
