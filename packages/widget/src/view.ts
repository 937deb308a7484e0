import type { ConnectionState, ConversationInfo } from '@tessera/client';
import { h, icon, ICONS } from './dom.js';

export type { MessageItem };
import { styles } from './styles.js';
import { createMessageItem, type MessageItem, type MessageItemOptions } from './message-item.js';
import { createResumeCard } from './resume-card.js';
import { STATE_TEXT } from './text.js';

export interface ViewOptions {
  title: string;
  position: 'left' | 'right';
  accentColor?: string;
  canSignIn: boolean;
  onToggle(): void;
  onSend(text: string): void;
  /** The stop button: stop the replies streaming in. */
  onStop(): void;
  onSignIn(): void;
  onSignOut(): void;
}

const DEFAULT_ACCENT = '#5b4cdb';
/** A CSS colour without anything that could end the declaration. */
const SAFE_COLOR = /^[#(),.%\w\s-]{1,64}$/;
const MAX_MESSAGE_CHARS = 8000;

export type View = ReturnType<typeof createView>;

/** The widget's DOM inside its shadow root; no chat logic. */
export function createView(shadow: ShadowRoot, options: ViewOptions) {
  const accent = options.accentColor && SAFE_COLOR.test(options.accentColor) ? options.accentColor : DEFAULT_ACCENT;
  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const launcher = h(
    'button',
    {
      class: 'launcher',
      type: 'button',
      'aria-label': 'Open chat',
      'aria-expanded': 'false',
      'aria-controls': 'tessera-panel',
      onclick: () => options.onToggle(),
    },
    icon(ICONS.chat),
    badge,
  );
  const stateText = h('span', { class: 'state' }, STATE_TEXT.disconnected);
  const who = h('span', { class: 'who' });
  const status = h(
    'div',
    { class: 'status', role: 'status', 'data-state': 'disconnected' },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    stateText,
    who,
  );
  const signInButton = h(
    'button',
    { type: 'button', class: 'signin', hidden: !options.canSignIn, onclick: () => options.onSignIn() },
    'Sign in',
  );
  const signOutButton = h('button', { type: 'button', class: 'signout', hidden: true, onclick: () => options.onSignOut() }, 'Sign out');
  const closeButton = h(
    'button',
    { type: 'button', class: 'close', 'aria-label': 'Close chat', onclick: () => options.onToggle() },
    icon(ICONS.close),
  );
  const noticeText = h('p');
  const notice = h(
    'div',
    { class: 'notice', role: 'alert', hidden: true },
    noticeText,
    h('button', { type: 'button', 'aria-label': 'Dismiss', onclick: () => hideNotice() }, '×'),
  );
  const card = h('div', { class: 'card', hidden: true });
  const log = h('ol', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    'aria-label': 'Messages',
    tabindex: '0',
  });
  const typing = h(
    'div',
    { class: 'typing', hidden: true, role: 'status' },
    h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
    h('span', {}, 'Assistant is typing…'),
  );
  const input = h('textarea', {
    id: 'tessera-input',
    rows: '1',
    placeholder: 'Type a message…',
    maxlength: String(MAX_MESSAGE_CHARS),
    autocomplete: 'off',
    enterkeyhint: 'send',
  });
  const sendButton = h('button', { type: 'submit', class: 'send', 'aria-label': 'Send message', disabled: true }, icon(ICONS.send));
  const stopButton = h(
    'button',
    { type: 'button', class: 'stop', 'aria-label': 'Stop the reply', hidden: true, onclick: () => options.onStop() },
    icon(ICONS.stop),
  );
  const composer = h(
    'form',
    { class: 'composer' },
    h('label', { class: 'sr', for: 'tessera-input' }, 'Message'),
    input,
    stopButton,
    sendButton,
  );
  const panel = h(
    'section',
    { class: 'panel', id: 'tessera-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'tessera-title', hidden: true },
    h(
      'header',
      {},
      h('div', { class: 'heading' }, h('h2', { id: 'tessera-title' }, options.title), status),
      signInButton,
      signOutButton,
      closeButton,
    ),
    notice,
    card,
    log,
    typing,
    composer,
  );
  const root = h('div', { class: `root ${options.position}` }, panel, launcher);
  const style = document.createElement('style');
  style.textContent = styles(accent);
  shadow.append(style, root);

  let unread = 0;
  let restoreFocus: (() => void) | null = null;

  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    resize();
    options.onSend(text);
  };
  const resize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
    sendButton.disabled = input.value.trim().length === 0;
  };
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener('input', resize);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    if (restoreFocus) restoreFocus();
    else options.onToggle();
  });

  function scrollToEnd(): void {
    log.scrollTop = log.scrollHeight;
  }

  /** Places an item by time among those already shown (history can arrive after live messages). */
  function place(element: HTMLElement, createdAt: number): void {
    element.dataset.at = String(createdAt);
    const later = [...log.children].find((child) => Number((child as HTMLElement).dataset.at) > createdAt);
    if (later) log.insertBefore(element, later);
    else log.append(element);
    scrollToEnd();
  }

  function hideNotice(): void {
    notice.hidden = true;
    noticeText.textContent = '';
  }

  function hideCard(): void {
    card.hidden = true;
    card.replaceChildren();
    const restore = restoreFocus;
    restoreFocus = null;
    if (restore && !panel.hidden) input.focus();
  }

  function showCard(content: Node[], focus: HTMLElement | null): void {
    card.replaceChildren(...content);
    card.hidden = false;
    restoreFocus = hideCard;
    focus?.focus();
  }

  return {
    host: root,
    isOpen: () => !panel.hidden,

    setOpen(open: boolean, focus = true): void {
      panel.hidden = !open;
      root.classList.toggle('open', open);
      launcher.setAttribute('aria-expanded', String(open));
      launcher.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
      if (open) {
        unread = 0;
        badge.hidden = true;
        scrollToEnd();
        const firstInCard = card.hidden ? null : card.querySelector<HTMLElement>('input,button');
        if (focus) (firstInCard ?? input).focus();
      } else if (shadow.activeElement) {
        launcher.focus();
      }
    },

    countUnread(): void {
      if (!panel.hidden) return;
      unread += 1;
      badge.textContent = String(unread);
      badge.hidden = false;
      launcher.setAttribute('aria-label', `Open chat (${unread} new message${unread === 1 ? '' : 's'})`);
    },

    setState(state: ConnectionState): void {
      status.dataset.state = state;
      stateText.textContent = STATE_TEXT[state];
    },

    setUser(name: string | null, canSignIn: boolean): void {
      who.textContent = name ? ` · Signed in as ${name}` : '';
      signInButton.hidden = name !== null || !canSignIn;
      signOutButton.hidden = name === null;
    },

    addMessage(role: 'user' | 'assistant', content: string, createdAt: number, options?: MessageItemOptions): MessageItem {
      const item = createMessageItem(role, content, createdAt, options);
      place(item.element, createdAt);
      return item;
    },

    /** Puts a new item where `old` is (a streamed reply's bubble becomes its final message). */
    replaceMessage(old: MessageItem, role: 'user' | 'assistant', content: string, options?: MessageItemOptions): MessageItem {
      const item = createMessageItem(role, content, old.createdAt, options);
      item.element.dataset.at = old.element.dataset.at;
      old.element.replaceWith(item.element);
      scrollToEnd();
      return item;
    },

    /** Any other item of the conversation (e.g. a card), placed by time. */
    addItem: place,
    scrollToEnd,

    system(text: string, createdAt = Date.now(), kind?: 'failed'): void {
      place(h('li', { class: `system ${kind ?? ''}`.trim() }, text), createdAt);
    },

    /** The stop button shows while a reply streams in. */
    setStoppable(on: boolean): void {
      stopButton.hidden = !on;
    },

    clearMessages(): void {
      log.replaceChildren();
    },

    setTyping(on: boolean): void {
      typing.hidden = !on;
      if (on) scrollToEnd();
    },

    notice(text: string, kind: 'error' | 'warning' | 'info' = 'warning'): void {
      noticeText.textContent = text;
      notice.dataset.kind = kind;
      notice.hidden = false;
    },
    hideNotice,

    /** "Continue a previous conversation?": nothing is resumed unless one is chosen. */
    askResume(conversations: ConversationInfo[], choose: (id: string) => void): void {
      const card = createResumeCard(conversations, choose, hideCard);
      showCard(card.content, card.focus);
    },

    /** The sign-in card (providers, the hosted-accounts form); `build` gets what hides it. */
    showSignInCard(build: (close: () => void) => { content: Node[]; focus: HTMLElement | null }): void {
      const card = build(hideCard);
      showCard(card.content, card.focus);
    },
    hideCard,
  };
}
