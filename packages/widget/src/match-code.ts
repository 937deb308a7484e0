import { h } from './dom.js';
import { magicLinkErrorText, type EmailSignIn, type MagicLinkStatus } from './email-sign-in.js';
import { fill, t, withEmail } from './strings.js';

/**
 * While a magic link waits: "Check your mail", and the two-digit match code the link's page asks
 * for when it is opened on another device. It follows the link's status: signing in, or why not.
 */
export function createMatchCodeWaiting(
  emailSignIn: EmailSignIn,
  link: { email: string; matchCode: string },
  again: () => void,
): HTMLElement {
  const progress = h('p', { class: 'flow-progress', role: 'status' }, t.waitingForLink);
  const failure = h('p', { class: 'error', role: 'alert' });
  const another = h('button', { type: 'button', class: 'link', onclick: again }, t.useAnotherEmail);
  const box = h(
    'div',
    { class: 'magic-link-waiting' },
    h('h4', {}, t.checkMail),
    h('p', {}, ...withEmail(t.linkSent, link.email)),
    h(
      'p',
      { class: 'match' },
      t.matchCodeBefore,
      h(
        'strong',
        { class: 'match-code', 'aria-label': fill(t.matchCodeLabel, { digits: link.matchCode.split('').join(' ') }) },
        link.matchCode,
      ),
      t.matchCodeAfter,
    ),
    progress,
    failure,
    another,
  );

  const stop = emailSignIn.onStatus((status: MagicLinkStatus) => {
    if (!box.isConnected) {
      stop();
      return false;
    }
    if (status.state === 'waiting') return true; // (a newer link: its own card shows it)
    progress.textContent = status.state === 'signing-in' ? t.signingIn : status.state === 'signed-in' ? t.signedInShort : '';
    failure.textContent = status.state === 'failed' ? magicLinkErrorText(status.error) : '';
    if (status.state === 'failed') another.textContent = t.sendNewLink;
    return true;
  });
  return box;
}
