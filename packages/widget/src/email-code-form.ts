import { h } from './dom.js';
import { emailErrorText } from './email-sign-in.js';
import { createOneFieldForm } from './one-field-form.js';
import { t } from './strings.js';

/** What the code step needs: mail a code to an address, sign the chat in with it. */
export interface EmailCodeActions {
  /** Mails a six-digit code (`client.requestEmailCode`); `signup`: for a sign-up waiting to be confirmed. */
  requestCode(email: string, purpose?: 'signup'): Promise<void>;
  /** Signs this chat in with the code (`client.signInWithEmailCode`); the conversation is kept. */
  signInWithCode(email: string, code: string): Promise<unknown>;
}

export interface EmailCodeFormOptions {
  codes: EmailCodeActions;
  /** The address the code went to. */
  email: string;
  /** What was sent and why, above the field. */
  intro: Node;
  /** Buttons after "Send a new code" (back, cancel). */
  extra?: HTMLElement[];
}

/**
 * The six digits from the mail: "Sign in with code", and "Send a new code". A wrong code is
 * said in words; on success the chat is signed in, and the widget's sign-in handling closes
 * the card this sits in. Used by "Email me a code" and by hosted accounts (sign-up, and a
 * password account whose address is not confirmed yet).
 */
export function createEmailCodeForm({ codes, email, intro, extra = [] }: EmailCodeFormOptions): HTMLFormElement {
  const input = h('input', {
    name: 'code',
    required: true,
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9 ]{6,7}',
    maxlength: '7',
  });
  const resend = h('button', { type: 'button', class: 'link' }, t.sendNewCode);
  const form = createOneFieldForm({
    name: t.signInWithCode,
    label: t.codeLabel,
    intro,
    input,
    submit: t.signInWithCode,
    extra: [resend, ...extra],
    async run(code) {
      await codes.signInWithCode(email, code);
    },
  });
  resend.addEventListener('click', async () => {
    const line = form.querySelector('.error')!;
    resend.disabled = true;
    try {
      await codes.requestCode(email);
      line.textContent = t.newCodeSent;
      input.value = '';
      input.focus();
    } catch (failure) {
      line.textContent = emailErrorText(failure);
    } finally {
      resend.disabled = false;
    }
  });
  return form;
}
