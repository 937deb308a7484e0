import { h } from './dom.js';

export interface LoginFormHandlers {
  signIn(email: string, password: string): Promise<void>;
  signUp(email: string, password: string, name: string): Promise<void>;
  cancel(): void;
}

/**
 * The hosted-accounts card: sign in, or create an account. `close` hides the card; it is
 * called on cancel and after success (unless the card already moved on).
 */
export function createLoginForm(
  handlers: LoginFormHandlers,
  close: () => void,
  id = 'tessera-login',
): { content: Node[]; focus: HTMLElement } {
  let creating = false;
  const heading = h('h3', {}, 'Sign in');
  const nameField = h('label', { hidden: true }, 'Name (optional)', h('input', { name: 'name', autocomplete: 'name' }));
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', minlength: '8' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const toggle = h('button', { type: 'button', class: 'link' }, 'Create an account');
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
    'Cancel',
  );
  toggle.addEventListener('click', () => {
    creating = !creating;
    heading.textContent = creating ? 'Create an account' : 'Sign in';
    submit.textContent = creating ? 'Create account' : 'Sign in';
    toggle.textContent = creating ? 'I have an account' : 'Create an account';
    nameField.hidden = !creating;
    password.setAttribute('autocomplete', creating ? 'new-password' : 'current-password');
  });
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': id },
    nameField,
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    error,
    h('div', { class: 'row' }, submit, toggle, cancel),
  );
  heading.id = id;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const name = (nameField.querySelector('input') as HTMLInputElement).value.trim();
      if (creating) await handlers.signUp(email.value.trim(), password.value, name);
      else await handlers.signIn(email.value.trim(), password.value);
      if (form.isConnected) close(); // (unless the card already moved on, e.g. to "Continue a previous conversation?")
    } catch (failure) {
      error.textContent = (failure as Error).message;
      submit.disabled = false;
      password.focus();
    }
  });
  return { content: [heading, form], focus: email };
}
