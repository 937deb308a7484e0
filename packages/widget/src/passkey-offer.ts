import { h } from './dom.js';
import { passkeyErrorText, type WidgetPasskeys } from './passkeys.js';
import { t } from './strings.js';

/**
 * After a sign-in, when the user has no passkey yet: an item in the conversation offering to
 * add one ("Add a passkey"), or to leave it ("Not now").
 */
export async function offerPasskey(passkeys: WidgetPasskeys, place: (item: HTMLElement) => void): Promise<void> {
  if (!(await passkeys.worthOffering().catch(() => false))) return;
  const status = h('p', { class: 'error', role: 'alert' });
  const add = h('button', { type: 'button', class: 'primary' }, t.addPasskey);
  const later = h('button', { type: 'button', class: 'link' }, t.notNow);
  const item = h(
    'li',
    { class: 'signin-card passkey-offer', role: 'group', 'aria-labelledby': 'tessera-passkey-offer' },
    h('p', { id: 'tessera-passkey-offer', class: 'reason' }, t.passkeyOffer),
    h('div', { class: 'row' }, add, later),
    status,
  );
  later.addEventListener('click', () => item.remove());
  add.addEventListener('click', async () => {
    add.disabled = true;
    status.textContent = '';
    try {
      await passkeys.add();
      item.replaceChildren(h('p', { class: 'reason' }, t.passkeyAdded));
    } catch (error) {
      status.textContent = passkeyErrorText(error);
      add.disabled = false;
    }
  });
  place(item);
}
