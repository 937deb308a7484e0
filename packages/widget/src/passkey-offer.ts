import { h } from './dom.js';
import { passkeyErrorText, type WidgetPasskeys } from './passkeys.js';

/**
 * After a sign-in, when the user has no passkey yet: an item in the conversation offering to
 * add one ("Add a passkey"), or to leave it ("Not now").
 */
export async function offerPasskey(passkeys: WidgetPasskeys, place: (item: HTMLElement) => void): Promise<void> {
  if (!(await passkeys.worthOffering().catch(() => false))) return;
  const status = h('p', { class: 'error', role: 'alert' });
  const add = h('button', { type: 'button', class: 'primary' }, 'Add a passkey');
  const later = h('button', { type: 'button', class: 'link' }, 'Not now');
  const item = h(
    'li',
    { class: 'signin-card passkey-offer', role: 'group', 'aria-labelledby': 'tessera-passkey-offer' },
    h('p', { id: 'tessera-passkey-offer', class: 'reason' }, 'Sign in faster next time with a passkey.'),
    h('div', { class: 'row' }, add, later),
    status,
  );
  later.addEventListener('click', () => item.remove());
  add.addEventListener('click', async () => {
    add.disabled = true;
    status.textContent = '';
    try {
      await passkeys.add();
      item.replaceChildren(h('p', { class: 'reason' }, 'Passkey added. Next time, choose “Use a passkey”.'));
    } catch (error) {
      status.textContent = passkeyErrorText(error);
      add.disabled = false;
    }
  });
  place(item);
}
