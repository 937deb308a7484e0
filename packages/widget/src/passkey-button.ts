import { h } from './dom.js';
import { passkeyErrorText, type WidgetPasskeys } from './passkeys.js';
import { t } from './strings.js';

/**
 * "Use a passkey", with a line saying why it did not work. On success the chat is signed in;
 * the widget's sign-in handling closes the card this sits in.
 */
export function createPasskeyButton(passkeys: WidgetPasskeys): HTMLElement {
  const failure = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'button', class: 'provider', 'data-passkey': '' }, t.usePasskey);
  button.addEventListener('click', async () => {
    button.disabled = true;
    failure.textContent = '';
    try {
      await passkeys.signIn();
    } catch (error) {
      failure.textContent = passkeyErrorText(error);
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'providers passkeys' }, button, failure);
}
