import type { ConnectionState, ConversationInfo } from '@tessera/client';
import { createComposer } from './composer.js';
import { h, icon, ICONS } from './dom.js';
import { createMessageItem, type MessageItem, type MessageItemOptions } from './message-item.js';
import { createResumeCard } from './resume-card.js';
import { fill, t } from './strings.js';
import { styles } from './styles.js';
import { stateText } from './text.js';
import { applyTheme, type Theme } from './theme.js';

export type { MessageItem };

export interface ViewOptions {
  title: string;
  position: 'left' | 'right';
  theme: Theme;
  canSignIn: boolean;
  onToggle(): void;
  onSend(text: string): void;
  /** The stop button: stop the replies streaming in. */
  onStop(): void;
  onSignIn(): void;
  onSignOut(): void;
  /** An assistant's whole message, formatted (Markdown), or null to keep it plain. */
  format(content: string): Promise<DocumentFragment | null>;
}

export type View = ReturnType<typeof createView>;

/** The widget's DOM inside its shadow root; no chat logic. */
export function createView(shadow: ShadowRoot, options: ViewOptions) {
  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const launcher = h(
    'button',
    {
      class: 'launcher',
      type: 'button',
      'aria-label': t.openChat,
      'aria-expanded': 'false',
      'aria-controls': 'tessera-panel',
      onclick: () => options.onToggle(),
    },
    icon(ICONS.chat),
    badge,
  );
  const stateLine = h('span', { class: 'state' }, stateText('disconnected'));
  const who = h('span', { class: 'who' });
  const status = h(
    'div',
    { class: 'status', role: 'status', 'data-state': 'disconnected' },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    stateLine,
    who,
  );
  const signInButton = h(
    'button',
    { type: 'button', class: 'signin', hidden: !options.canSignIn, onclick: () => options.onSignIn() },
    t.signIn,
  );
  const signOutButton = h('button', { type: 'button', class: 'signout', hidden: true, onclick: () => options.onSignOut() }, t.signOut);
  const closeButton = h(
    'button',
    { type: 'button', class: 'close', 'aria-label': t.closeChat, onclick: () => options.onToggle() },
    icon(ICONS.close),
  );
  const noticeText = h('p');
  const notice = h(
    'div',
    { class: 'notice', role: 'alert', hidden: true },
    noticeText,
    h('button', { type: 'button', 'aria-label': t.dismiss, onclick: () => hideNotice() }, '×'),
  );
  const card = h('div', { class: 'card', hidden: true });
  const log = h('ol', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    'aria-label': t.messages,
    tabindex: '0',
  });
  const typing = h(
    'div',
    { class: 'typing', hidden: true, role: 'status' },
    h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
    h('span', {}, t.typing),
  );
  const composer = createComposer({ onSend: options.onSend, onStop: options.onStop });
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
    composer.form,
  );
  const root = h('div', { class: `root ${options.position}`, lang: t.locale }, panel, launcher);
  applyTheme(root, options.theme);
  const style = document.createElement('style');
  style.textContent = styles();
  shadow.append(style, root);

  let unread = 0;
  let restoreFocus: (() => void) | null = null;

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

  /**
   * An assistant's message is shown at once as text, then formatted when its Markdown is rendered;
   * a reply streaming in is formatted as it grows (only its newest text, once the chunk is there).
   */
  function message(role: 'user' | 'assistant', content: string, createdAt: number, itemOptions: MessageItemOptions = {}): MessageItem {
    const item = createMessageItem(role, content, createdAt, itemOptions);
    if (role === 'user') return item;
    let latest = content;
    const format = (text: string) =>
      void options.format(text).then((rich) => {
        if (!rich || text !== latest) return;
        item.setRich(rich);
        scrollToEnd();
      });
    const setText = item.setText;
    item.setText = (text) => {
      latest = text;
      setText(text);
      format(text);
    };
    format(content);
    return item;
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
    if (restore && !panel.hidden) composer.input.focus();
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
      launcher.setAttribute('aria-label', open ? t.closeChat : t.openChat);
      if (open) {
        unread = 0;
        badge.hidden = true;
        scrollToEnd();
        const firstInCard = card.hidden ? null : card.querySelector<HTMLElement>('input,button');
        if (focus) (firstInCard ?? composer.input).focus();
      } else if (shadow.activeElement) {
        launcher.focus();
      }
    },

    countUnread(): void {
      if (!panel.hidden) return;
      unread += 1;
      badge.textContent = String(unread);
      badge.hidden = false;
      launcher.setAttribute('aria-label', unread === 1 ? t.openChatUnreadOne : fill(t.openChatUnread, { count: unread }));
    },

    setState(state: ConnectionState): void {
      status.dataset.state = state;
      stateLine.textContent = stateText(state);
    },

    setUser(name: string | null, canSignIn: boolean): void {
      who.textContent = name ? ` · ${fill(t.signedInAs, { name })}` : '';
      signInButton.hidden = name !== null || !canSignIn;
      signOutButton.hidden = name === null;
    },

    addMessage(role: 'user' | 'assistant', content: string, createdAt: number, itemOptions?: MessageItemOptions): MessageItem {
      const item = message(role, content, createdAt, itemOptions);
      place(item.element, createdAt);
      return item;
    },

    /** Puts a new item where `old` is (a streamed reply's bubble becomes its final message). */
    replaceMessage(old: MessageItem, role: 'user' | 'assistant', content: string, itemOptions?: MessageItemOptions): MessageItem {
      const item = message(role, content, old.createdAt, itemOptions);
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

    setStoppable: composer.setStoppable,

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
      const resumeCard = createResumeCard(conversations, choose, hideCard);
      showCard(resumeCard.content, resumeCard.focus);
    },

    /** The sign-in card (providers, the hosted-accounts form); `build` gets what hides it. */
    showSignInCard(build: (close: () => void) => { content: Node[]; focus: HTMLElement | null }): void {
      const built = build(hideCard);
      showCard(built.content, built.focus);
    },
    hideCard,
  };
}
