import { h } from './dom.js';
import { emailErrorText, type EmailSignIn } from './email-sign-in.js';
import { createMatchCodeWaiting } from './match-code.js';

type Mode = 'code' | 'link';

/**
 * "Email me a code" and "Email me a link" in a sign-in card. A code: the address, then the six
 * digits, then the chat is signed in. A link: the address, then "Check your mail" with the match
 * code until the link is confirmed. The widget's sign-in handling closes the card on success.
 */
export function createEmailSignInChoice(emailSignIn: EmailSignIn): HTMLElement {
  const box = h('div', { class: 'providers email-sign-in' });
  let address = '';

  function show(...content: Node[]): void {
    box.replaceChildren(...content);
    box.querySelector<HTMLElement>('input')?.focus();
  }

  /** A one-field form: its input, an alert line, and what its submit does (a failure is shown in words). */
  function step(options: {
    /** What the form does, for assistive technology. */
    name: string;
    label: string;
    intro?: Node;
    input: HTMLInputElement;
    submit: string;
    extra: HTMLElement[];
    run(value: string): Promise<void>;
  }): HTMLFormElement {
    const error = h('p', { class: 'error', role: 'alert' });
    const button = h('button', { type: 'submit', class: 'primary' }, options.submit);
    const form = h(
      'form',
      { class: 'login', 'aria-label': options.name },
      options.intro ?? null,
      h('label', {}, options.label, options.input),
      error,
      h('div', { class: 'row' }, button, ...options.extra),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      button.disabled = true;
      try {
        await options.run(options.input.value.trim());
      } catch (failure) {
        error.textContent = emailErrorText(failure);
        options.input.select();
        options.input.focus();
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  const back = (text: string, to: () => void) => h('button', { type: 'button', class: 'link', onclick: to }, text);

  function choices(): void {
    const pick = (mode: Mode, text: string) =>
      h('button', { type: 'button', class: 'provider', 'data-email': mode, onclick: () => askAddress(mode) }, text);
    box.replaceChildren(pick('code', 'Email me a code'), pick('link', 'Email me a link'));
  }

  function askAddress(mode: Mode): void {
    const input = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email', value: address });
    const form = step({
      name: mode === 'code' ? 'Email me a code' : 'Email me a link',
      label: 'Your email',
      input,
      submit: mode === 'code' ? 'Send code' : 'Send link',
      extra: [back('Back', choices)],
      async run(email) {
        address = email;
        if (mode === 'code') {
          await emailSignIn.requestCode(email);
          askCode(email);
        } else {
          const flow = await emailSignIn.sendLink(email);
          show(createMatchCodeWaiting(emailSignIn, { email, matchCode: flow.matchCode }, () => askAddress('link')));
        }
      },
    });
    show(form);
  }

  function askCode(email: string): void {
    const input = h('input', {
      name: 'code',
      required: true,
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      pattern: '[0-9 ]{6,7}',
      maxlength: '7',
    });
    const resend = h('button', { type: 'button', class: 'link' }, 'Send a new code');
    const form = step({
      name: 'Sign in with the code',
      label: 'Six-digit code',
      intro: h('p', {}, 'We sent a six-digit code to ', h('strong', {}, email), '. It works for 10 minutes.'),
      input,
      submit: 'Sign in with code',
      extra: [resend, back('Use another email', () => askAddress('code'))],
      async run(code) {
        await emailSignIn.signInWithCode(email, code);
      },
    });
    resend.addEventListener('click', async () => {
      const line = form.querySelector('.error')!;
      resend.disabled = true;
      try {
        await emailSignIn.requestCode(email);
        line.textContent = 'A new code is on its way.';
        input.value = '';
        input.focus();
      } catch (failure) {
        line.textContent = emailErrorText(failure);
      } finally {
        resend.disabled = false;
      }
    });
    show(form);
  }

  choices();
  return box;
}
