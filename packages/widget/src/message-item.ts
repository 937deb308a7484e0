import { h } from './dom.js';

/** One message in the transcript: sent, pending, or failed with a retry; an assistant reply streaming in, or stopped. */
export interface MessageItem {
  element: HTMLLIElement;
  createdAt: number;
  markSent(): void;
  markFailed(reason: string, retry: () => void): void;
  /** A streaming reply grows: its text so far. */
  setText(text: string): void;
  remove(): void;
}

export interface MessageItemOptions {
  pending?: boolean;
  /** A reply still streaming in (busy for assistive technology until the final message replaces it). */
  streaming?: boolean;
  /** The visitor stopped this reply. */
  stopped?: boolean;
}

export function createMessageItem(
  role: 'user' | 'assistant',
  content: string,
  createdAt: number,
  { pending, streaming, stopped }: MessageItemOptions = {},
): MessageItem {
  const meta = h('span', { class: 'meta' });
  const label = h('span', { class: 'sr' }, role === 'user' ? 'You: ' : 'Assistant: ');
  const text = document.createTextNode(content);
  const element = h(
    'li',
    {
      class: `msg ${role}`,
      'data-pending': pending,
      'data-streaming': streaming,
      'aria-busy': streaming && 'true',
      'data-stopped': stopped,
    },
    label,
    text,
  );
  if (pending || stopped) {
    meta.textContent = pending ? 'Sending…' : 'Stopped';
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
    setText(value) {
      text.data = value;
    },
    remove: () => element.remove(),
  };
}
