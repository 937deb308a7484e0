import { h } from './dom.js';
import { createLoginForm, type LoginFormHandlers } from './login-form.js';
import { t } from './strings.js';

export interface SignInCardOptions {
  /** Why the assistant asks (the agent's words). */
  reason: string;
  /** Signing in through the host page's own login (identity token), when the page offers it. */
  viaHost?: () => void;
  /** "Use a passkey", when the page offers passkeys and the agent accepts them. */
  passkey?: HTMLElement;
  /** "Continue with {provider}" buttons, when the tenant has providers (and the agent accepts them). */
  providers?: HTMLElement;
  /** "Email me a code" / "Email me a link", when the page offers email sign-in (and the agent accepts it). */
  email?: HTMLElement;
  /** The hosted-accounts form (email and password), when the widget offers it. */
  password?: LoginFormHandlers;
  /** "Not now": the card goes; the question is answered whenever the visitor signs in later. */
  dismiss(): void;
}

/**
 * The assistant needs the visitor signed in: a card in the conversation with the reason and
 * the ways to sign in that both the agent accepts and this page offers. After sign-in the
 * server answers the question again by itself; the card is removed then.
 */
export function createSignInCard({ reason, viaHost, passkey, providers, email, password, dismiss }: SignInCardOptions): HTMLLIElement {
  const body: Node[] = [];
  if (passkey) body.push(passkey);
  if (providers) body.push(providers);
  if (email) body.push(email);
  if (viaHost) body.push(h('button', { type: 'button', class: 'primary', onclick: () => viaHost() }, t.signIn));
  if (password) {
    const form = createLoginForm(password, dismiss, {
      id: 'tessera-card-login',
      others: body.filter((node) => node instanceof HTMLElement),
    }).content;
    if (viaHost) {
      const more = h('div', { hidden: true }, ...form);
      const reveal = h('button', { type: 'button', class: 'link' }, t.useEmailPassword);
      reveal.addEventListener('click', () => {
        reveal.remove();
        more.hidden = false;
        more.querySelector('input')?.focus();
      });
      body.push(reveal, more);
    } else {
      body.push(...form);
    }
  }
  if (body.length === 0) body.push(h('p', {}, t.signInOnSite));
  if (!password) body.push(h('button', { type: 'button', class: 'link', onclick: dismiss }, t.notNow));
  return h(
    'li',
    { class: 'signin-card', role: 'group', 'aria-labelledby': 'tessera-signin-reason' },
    h('p', { id: 'tessera-signin-reason', class: 'reason' }, reason),
    ...body,
  );
}
