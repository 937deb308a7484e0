import { h } from './dom.js';
import { createLoginForm, type LoginFormHandlers } from './login-form.js';

export interface SignInChoicesOptions {
  /** "Continue with {provider}" buttons, when the tenant has providers. */
  providers?: HTMLElement;
  /** The hosted-accounts form, when the widget offers it. */
  password?: LoginFormHandlers;
  /** Hides the card (cancel, or signed in). */
  close(): void;
}

/** The "Sign in" card above the conversation: the tenant's providers, then email and password. */
export function createSignInChoices({ providers, password, close }: SignInChoicesOptions): { content: Node[]; focus: HTMLElement | null } {
  if (password) {
    const form = createLoginForm(password, close);
    if (!providers) return form;
    const [heading, ...rest] = form.content;
    return { content: [heading!, providers, h('p', { class: 'or' }, 'or with email'), ...rest], focus: providers.querySelector('button') };
  }
  const cancel = h('button', { type: 'button', class: 'link', onclick: close }, 'Cancel');
  return {
    content: [h('h3', { id: 'tessera-login' }, 'Sign in'), ...(providers ? [providers] : []), cancel],
    focus: providers?.querySelector('button') ?? cancel,
  };
}
