import { h } from './dom.js';
import { createLoginForm, type LoginFormHandlers } from './login-form.js';

export interface SignInChoicesOptions {
  /** "Use a passkey", when the page offers passkeys. */
  passkey?: HTMLElement;
  /** "Continue with {provider}" buttons, when the tenant has providers. */
  providers?: HTMLElement;
  /** The hosted-accounts form, when the widget offers it. */
  password?: LoginFormHandlers;
  /** Hides the card (cancel, or signed in). */
  close(): void;
}

/** The "Sign in" card above the conversation: a passkey, the tenant's providers, then email and password. */
export function createSignInChoices({ passkey, providers, password, close }: SignInChoicesOptions): {
  content: Node[];
  focus: HTMLElement | null;
} {
  if (password) {
    const form = createLoginForm(password, close);
    if (!providers && !passkey) return form;
    const [heading, ...rest] = form.content;
    const quick = [passkey, providers].filter((choice): choice is HTMLElement => choice !== undefined);
    return { content: [heading!, ...quick, h('p', { class: 'or' }, 'or with email'), ...rest], focus: quick[0]!.querySelector('button') };
  }
  const cancel = h('button', { type: 'button', class: 'link', onclick: close }, 'Cancel');
  return {
    content: [h('h3', { id: 'tessera-login' }, 'Sign in'), ...(passkey ? [passkey] : []), ...(providers ? [providers] : []), cancel],
    focus: passkey?.querySelector('button') ?? providers?.querySelector('button') ?? cancel,
  };
}
