import { h } from './dom.js';
import { createLoginForm, type LoginFormHandlers } from './login-form.js';
import { t } from './strings.js';

export interface SignInChoicesOptions {
  /** "Use a passkey", when the page offers passkeys. */
  passkey?: HTMLElement;
  /** "Continue with {provider}" buttons, when the tenant has providers. */
  providers?: HTMLElement;
  /** "Email me a code" / "Email me a link", when the page offers email sign-in. */
  email?: HTMLElement;
  /** The hosted-accounts form, when the widget offers it. */
  password?: LoginFormHandlers;
  /** Hides the card (cancel, or signed in). */
  close(): void;
}

/** The "Sign in" card above the conversation: a passkey, the tenant's providers, then email and password. */
export function createSignInChoices({ passkey, providers, email, password, close }: SignInChoicesOptions): {
  content: Node[];
  focus: HTMLElement | null;
} {
  if (password) {
    const quick = [passkey, providers, email].filter((choice): choice is HTMLElement => choice !== undefined);
    if (quick.length === 0) return createLoginForm(password, close);
    const or = h('p', { class: 'or' }, email ? t.orWithPassword : t.orWithEmail);
    const [heading, ...rest] = createLoginForm(password, close, { others: [...quick, or] }).content;
    return { content: [heading!, ...quick, or, ...rest], focus: quick[0]!.querySelector('button') };
  }
  const cancel = h('button', { type: 'button', class: 'link', onclick: close }, t.cancel);
  return {
    content: [
      h('h3', { id: 'tessera-login' }, t.signIn),
      ...(passkey ? [passkey] : []),
      ...(providers ? [providers] : []),
      ...(email ? [email] : []),
      cancel,
    ],
    focus: passkey?.querySelector('button') ?? providers?.querySelector('button') ?? email?.querySelector('button') ?? cancel,
  };
}
