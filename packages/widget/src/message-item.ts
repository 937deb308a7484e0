import { h } from './dom.js';
import { t } from './strings.js';

/** One message in the transcript: sent, pending, or failed with a retry; an assistant reply streaming in, or stopped. */
export interface MessageItem {
  element: HTMLLIElement;
  createdAt: number;
  markSent(): void;
  markFailed(reason: string, retry: () => void): void;
  /** A streaming reply grows: its text so far. */
  setText(text: string): void;
  /** The reply's text formatted (Markdown rendered to DOM nodes) in place of the plain text. */
  setRich(content: DocumentFragment): void;
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
  const label = h('span', { class: 'sr' }, role === 'user' ? t.you : t.assistant);
  const body = h('span', { class: 'body' }, content);
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
    body,
  );
  // Greetings and the like have no time (0); a message still streaming in gets its time when whole.
  if (createdAt > 0 && !streaming) element.append(timestamp(createdAt));
  if (pending || stopped) {
    meta.textContent = pending ? t.sending : t.stopped;
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
      meta.replaceChildren(`${t.notSent} ${reason} `, h('button', { type: 'button', onclick: retry }, t.retry));
      element.append(meta);
    },
    setText(value) {
      body.classList.remove('md');
      body.textContent = value;
    },
    setRich(rich) {
      body.classList.add('md');
      body.replaceChildren(rich);
    },
    remove: () => element.remove(),
  };
}

/** The message's time in the visitor's language: the time today, the date and time before. */
function timestamp(createdAt: number): HTMLTimeElement {
  const date = new Date(createdAt);
  const today = date.toDateString() === new Date().toDateString();
  let shown: string;
  try {
    shown = date.toLocaleString(t.locale, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    shown = date.toISOString();
  }
  return h('time', { class: 'at', datetime: date.toISOString(), title: date.toLocaleString(t.locale) }, shown);
}
