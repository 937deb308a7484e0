import { h } from './dom.js';
import { magicLinkErrorText, type EmailSignIn, type MagicLinkStatus } from './email-sign-in.js';

/**
 * While a magic link waits: "Check your mail", and the two-digit match code the link's page asks
 * for when it is opened on another device. It follows the link's status: signing in, or why not.
 */
export function createMatchCodeWaiting(
  emailSignIn: EmailSignIn,
  link: { email: string; matchCode: string },
  again: () => void,
): HTMLElement {
  const progress = h('p', { class: 'flow-progress', role: 'status' }, 'Waiting for you to open the link…');
  const failure = h('p', { class: 'error', role: 'alert' });
  const another = h('button', { type: 'button', class: 'link', onclick: again }, 'Use another email');
  const box = h(
    'div',
    { class: 'magic-link-waiting' },
    h('h4', {}, 'Check your mail'),
    h('p', {}, 'We sent a sign-in link to ', h('strong', {}, link.email), '. Open it, and this chat signs in.'),
    h(
      'p',
      { class: 'match' },
      'On another device? Enter ',
      h('strong', { class: 'match-code', 'aria-label': `match code ${link.matchCode.split('').join(' ')}` }, link.matchCode),
      " on the link's page.",
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
    progress.textContent = status.state === 'signing-in' ? 'Signing in…' : status.state === 'signed-in' ? 'Signed in.' : '';
    failure.textContent = status.state === 'failed' ? magicLinkErrorText(status.error) : '';
    if (status.state === 'failed') another.textContent = 'Send a new link';
    return true;
  });
  return box;
}
