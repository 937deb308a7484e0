import { h } from './dom.js';

/** One message in the transcript: sent, pending, or failed with a retry. */
export interface MessageItem {
  element: HTMLLIElement;
  createdAt: number;
  markSent(): void;
  markFailed(reason: string, retry: () => void): void;
  remove(): void;
}

export function createMessageItem(role: 'user' | 'assistant', content: string, createdAt: number, pending: boolean): MessageItem {
  const meta = h('span', { class: 'meta' });
  const label = h('span', { class: 'sr' }, role === 'user' ? 'You: ' : 'Assistant: ');
  const element = h('li', { class: `msg ${role}`, 'data-pending': pending }, label, content);
  if (pending) {
    meta.textContent = 'Sending…';
    element.append(meta);
  }
  return {
    element,
    createdAt,
    markSent() {
      element.removeAttribute('data-pending');
      meta.remove();
    },
    markFailed(reason, retry) {
      element.removeAttribute('data-pending');
      element.setAttribute('data-failed', '');
      meta.replaceChildren(`Not sent. ${reason} `, h('button', { type: 'button', onclick: retry }, 'Retry'));
      element.append(meta);
    },
    remove: () => element.remove(),
  };
}
