import type { SignInProviderInfo } from '@tessera/client';
import { h } from './dom.js';
import type { FlowStatus, SocialSignIn } from './social-sign-in.js';
import { errorText } from './text.js';
import { fill, t } from './strings.js';

const STATUS_TEXT: Partial<Record<FlowStatus['state'], 'openingSignIn' | 'finishInWindow'>> = {
  starting: 'openingSignIn',
  waiting: 'finishInWindow',
};

/**
 * "Continue with {name}" for each of the tenant's providers, and a line saying where the sign-in
 * stands (or why it failed). The click opens the popup itself, so that blockers allow it.
 */
export function createProviderButtons(providers: readonly SignInProviderInfo[], social: SocialSignIn): HTMLElement {
  const buttons = providers.map((provider) =>
    h(
      'button',
      {
        type: 'button',
        class: 'provider',
        'data-provider': provider.id,
        onclick: () => void social.start(provider.id).catch(() => undefined), // shown through the status
      },
      fill(t.continueWith, { name: provider.name }),
    ),
  );
  const progress = h('p', { class: 'flow-progress', role: 'status' });
  const failure = h('p', { class: 'error', role: 'alert' });
  const box = h('div', { class: 'providers' }, ...buttons, progress, failure);

  const stop = social.onStatus((status) => {
    if (!box.isConnected) {
      stop();
      return false;
    }
    for (const button of buttons) button.disabled = status.state === 'starting';
    const progressText = STATUS_TEXT[status.state];
    progress.textContent = progressText ? t[progressText] : '';
    failure.textContent = status.state === 'failed' ? errorText(status.error) : '';
    return true;
  });
  return box;
}
