import { h } from './dom.js';
import { createEmailCodeForm } from './email-code-form.js';
import type { EmailSignIn } from './email-sign-in.js';
import { createMatchCodeWaiting } from './match-code.js';
import { createOneFieldForm } from './one-field-form.js';
import { t, withEmail } from './strings.js';

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

  const back = (text: string, to: () => void) => h('button', { type: 'button', class: 'link', onclick: to }, text);

  function choices(): void {
    const pick = (mode: Mode, text: string) =>
      h('button', { type: 'button', class: 'provider', 'data-email': mode, onclick: () => askAddress(mode) }, text);
    box.replaceChildren(pick('code', t.emailCode), pick('link', t.emailLink));
  }

  function askAddress(mode: Mode): void {
    const input = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email', value: address });
    const form = createOneFieldForm({
      name: mode === 'code' ? t.emailCode : t.emailLink,
      label: t.yourEmail,
      input,
      submit: mode === 'code' ? t.sendCode : t.sendLink,
      extra: [back(t.back, choices)],
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
    show(
      createEmailCodeForm({
        codes: emailSignIn,
        email,
        intro: h('p', {}, ...withEmail(t.codeSent, email)),
        extra: [back(t.useAnotherEmail, () => askAddress('code'))],
      }),
    );
  }

  choices();
  return box;
}
