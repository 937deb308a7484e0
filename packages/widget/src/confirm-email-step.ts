import { h } from './dom.js';
import { createEmailCodeForm, type EmailCodeActions } from './email-code-form.js';
import { t, withEmail } from './strings.js';

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
  const intro = h('p', {}, ...withEmail(reason === 'signed-up' ? t.confirmSignedUp : t.confirmUnconfirmed, email));
  // A new code for the sign-up itself, so the password chosen there stays.
  const resend: EmailCodeActions = { ...codes, requestCode: (address) => codes.requestCode(address, 'signup') };
  return createEmailCodeForm({ codes: resend, email, intro, extra });
}
