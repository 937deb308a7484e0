import { createConfirmEmailStep, type ConfirmEmailReason } from './confirm-email-step.js';
import { h } from './dom.js';
import type { EmailCodeActions } from './email-code-form.js';
import { t } from './strings.js';

/** How a hosted-account submit ended: signed in, or the address must be proven by a mailed code first. */
export type HostedOutcome = 'signed-in' | 'confirm-email';

export interface LoginFormHandlers {
  /** `confirm-email`: right password, but the account's address was never proven. */
  signIn(email: string, password: string): Promise<HostedOutcome>;
  /** `confirm-email`: a code was mailed to the address; signing in with it finishes. */
  signUp(email: string, password: string, name: string): Promise<HostedOutcome>;
  /** Mails and takes the codes that prove an address. */
  codes: EmailCodeActions;
  cancel(): void;
}

export interface LoginFormOptions {
  /** The heading's id (the form is labelled by it). */
  id?: string;
  /** The card's other ways to sign in: hidden once the form moves on to a code. */
  others?: HTMLElement[];
}

/**
 * The hosted-accounts card: sign in, or create an account. `close` hides the card; it is
 * called on cancel and after success (unless the card already moved on). When the address
 * needs proving, the form gives way to the code mailed to it.
 */
export function createLoginForm(
  handlers: LoginFormHandlers,
  close: () => void,
  { id = 'tessera-login', others = [] }: LoginFormOptions = {},
): { content: Node[]; focus: HTMLElement } {
  let creating = false;
  const heading = h('h3', {}, t.signIn);
  const nameField = h('label', { hidden: true }, t.nameOptional, h('input', { name: 'name', autocomplete: 'name' }));
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', minlength: '8' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t.signIn);
  const toggle = h('button', { type: 'button', class: 'link' }, t.createAccount);
  const cancel = h(
    'button',
    {
      type: 'button',
      class: 'link',
      onclick: () => {
        close();
        handlers.cancel();
      },
    },
    t.cancel,
  );
  toggle.addEventListener('click', () => {
    creating = !creating;
    heading.textContent = creating ? t.createAccount : t.signIn;
    submit.textContent = creating ? t.createAccountSubmit : t.signIn;
    toggle.textContent = creating ? t.haveAccount : t.createAccount;
    nameField.hidden = !creating;
    password.setAttribute('autocomplete', creating ? 'new-password' : 'current-password');
  });
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': id },
    nameField,
    h('label', {}, t.email, email),
    h('label', {}, t.password, password),
    error,
    h('div', { class: 'row' }, submit, toggle, cancel),
  );
  heading.id = id;

  /** The code step in the form's place (the password is not asked again). */
  function confirmEmail(address: string, reason: ConfirmEmailReason): void {
    heading.textContent = t.confirmEmail;
    for (const other of others) other.hidden = true;
    const step = createConfirmEmailStep(handlers.codes, address, reason, [cancel]);
    form.replaceWith(step);
    step.querySelector('input')?.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const address = email.value.trim();
      const name = (nameField.querySelector('input') as HTMLInputElement).value.trim();
      const outcome = creating ? await handlers.signUp(address, password.value, name) : await handlers.signIn(address, password.value);
      if (outcome === 'confirm-email') return confirmEmail(address, creating ? 'signed-up' : 'unconfirmed');
      if (form.isConnected) close(); // (unless the card already moved on, e.g. to "Continue a previous conversation?")
    } catch (failure) {
      error.textContent = (failure as Error).message;
      submit.disabled = false;
      password.focus();
    }
  });
  return { content: [heading, form], focus: email };
}
