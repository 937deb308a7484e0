import type { AuthenticatedEvent, ChatClient, MessageInfo, StateChange, UserInfo } from '@tessera/client';
import { resolveOptions, type WidgetOptions } from './options.js';
import { createWidgetSession } from './session.js';
import { errorText, isTransient } from './text.js';
import { createView } from './view.js';

export interface WidgetUser {
  /** Your app's user id. */
  userId: string;
  name: string | null;
}

/** What `Tessera.mount()` returns (and `Tessera.widget` holds for the script tag). */
export interface TesseraWidget {
  /** The SDK client underneath, for anything the widget does not do. */
  readonly client: ChatClient;
  /** Resolves once the chat first connects. */
  readonly ready: Promise<void>;
  open(): void;
  close(): void;
  toggle(): void;
  /** Signs the chat in with an identity token from your app; the conversation stays. */
  linkFromMainApp(identityToken: string): Promise<UserInfo>;
  /** Ends the chat session (the server revokes it) and starts a fresh anonymous one. */
  logout(): Promise<void>;
  /** The signed-in user, or null while anonymous. */
  getUser(): WidgetUser | null;
  /** Removes the widget from the page and closes its connection. */
  destroy(): void;
}

const OPEN_KEY = 'tessera.widget.open';
const RESUME_KEY = 'tessera.widget.resume';
const HISTORY_LIMIT = 100;

export function mount(input: WidgetOptions, scriptOrigin: string | null = null): TesseraWidget {
  const options = resolveOptions(input, scriptOrigin);
  const session = createWidgetSession(options);
  const { client } = session;
  const canSignIn = Boolean(options.onLoginRequested || options.hostedAccounts);

  const host = document.createElement('tessera-chat');
  const shadow = host.attachShadow({ mode: 'open' });
  const view = createView(shadow, {
    title: options.title,
    position: options.position,
    accentColor: options.accentColor,
    canSignIn,
    onToggle: () => setOpen(!view.isOpen()),
    onSend: (text) => void sendMessage(text),
    onSignIn: requestSignIn,
    onSignOut: () => void logout(true),
  });
  // Mounted from a script in <head>: the host element goes in once there is a body.
  if (options.container ?? document.body) (options.container ?? document.body).append(host);
  else document.addEventListener('DOMContentLoaded', () => document.body.append(host), { once: true });

  /** Server message ids on screen: history and live messages never show twice. */
  const shown = new Set<string>();
  /** Acknowledged user messages still waiting for the assistant (drives the typing indicator). */
  const awaitingReply = new Set<string>();
  const replied = new Set<string>();
  let user: WidgetUser | null = null;
  let resumedId: string | null = null;
  let loggingOut = false;
  let destroyed = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const unsubscribe = [
    client.on('state', onState),
    client.on('message', (message) => {
      replied.add(message.replyTo);
      awaitingReply.delete(message.replyTo);
      if (!shown.has(message.id)) {
        shown.add(message.id);
        view.addMessage('assistant', message.content, serverNow());
        view.countUnread();
      }
      updateTyping();
    }),
    client.on('error', (error) => {
      if (!isTransient(error)) view.notice(errorText(error), 'error');
    }),
    session.onSignedIn(signedIn),
  ];

  greet();
  setOpen(options.open === true || readSession(OPEN_KEY) === '1', false, false);
  ensureConnected();

  function serverNow(): number {
    return Date.now() + client.tokens.serverOffsetMs();
  }

  function setOpen(open: boolean, remember = true, focus = true): void {
    view.setOpen(open, focus);
    if (remember) writeSession(OPEN_KEY, open ? '1' : null);
    if (open) ensureConnected();
  }

  function ensureConnected(): void {
    if (destroyed) return;
    if (client.state === 'disconnected' || client.state === 'closed') {
      client.connect().catch(() => undefined); // reported through the state and error events
    }
  }

  function greet(): void {
    if (options.greeting) view.addMessage('assistant', options.greeting, 0);
  }

  function updateTyping(): void {
    view.setTyping(awaitingReply.size > 0);
  }

  function onState({ state, reason }: StateChange): void {
    view.setState(state);
    if (state === 'connected') void onConnected();
    else if (state === 'closed' && !loggingOut && !destroyed) sessionEnded(reason);
  }

  /** On every (re)connect: who we are, and the conversation as the server has it. */
  async function onConnected(): Promise<void> {
    markReady();
    syncUser();
    const resume = resumedId ?? storedResume();
    try {
      if (resume) {
        const { messages } = await client.resume(resume);
        resumedId = resume;
        showMessages(messages);
        return;
      }
    } catch {
      resumedId = null;
      writeSession(RESUME_KEY, null);
    }
    try {
      showMessages(await client.history({ limit: HISTORY_LIMIT }));
    } catch {
      // the next connect tries again
    }
  }

  function showMessages(messages: MessageInfo[]): void {
    for (const message of messages) {
      if (message.role === 'assistant' && message.replyTo) {
        replied.add(message.replyTo);
        awaitingReply.delete(message.replyTo);
      }
      if (shown.has(message.id)) continue;
      shown.add(message.id);
      view.addMessage(message.role, message.content, message.createdAt);
    }
    updateTyping();
  }

  function resetConversation(): void {
    shown.clear();
    awaitingReply.clear();
    replied.clear();
    resumedId = null;
    writeSession(RESUME_KEY, null);
    view.clearMessages();
    view.hideCard();
    greet();
    updateTyping();
  }

  function setUser(next: WidgetUser | null): void {
    user = next;
    view.setUser(next ? (next.name ?? next.userId) : null, canSignIn);
  }

  /** The access token says who we are; the profile (name) comes from `/v1/me`. */
  function syncUser(): void {
    const current = client.getCurrentUser();
    const userId = current?.auth === 'user' ? current.userId : null;
    if (!userId) {
      if (user) setUser(null);
      return;
    }
    if (user?.userId === userId) return;
    setUser({ userId, name: null });
    session.me().then(
      (profile) => {
        if (profile && user?.userId === userId) setUser({ userId, name: profile.name });
      },
      () => undefined,
    );
  }

  /** The session ended without us (revoked, signed out in another tab, erased, `client.logout()` by the host). */
  function sessionEnded(reason: string | undefined): void {
    const wasSignedIn = user !== null;
    setUser(null);
    resetConversation();
    view.system(
      wasSignedIn || reason === 'logout' ? 'You were signed out. Send a message to start a new chat.' : 'This chat session ended. Send a message to start a new one.',
      serverNow(),
    );
  }

  async function sendMessage(text: string): Promise<void> {
    view.hideNotice();
    const item = view.addMessage('user', text, serverNow(), true);
    ensureConnected();
    try {
      const ack = await client.send(text);
      if (shown.has(ack.messageId)) item.remove();
      else {
        shown.add(ack.messageId);
        item.markSent();
      }
      if (!replied.has(ack.messageId)) awaitingReply.add(ack.messageId);
    } catch (error) {
      item.markFailed(errorText(error), () => {
        item.remove();
        void sendMessage(text);
      });
      if ((error as { code?: string }).code === 'RATE_LIMITED') view.notice(errorText(error), 'warning');
    }
    updateTyping();
  }

  function signedIn(event: AuthenticatedEvent): void {
    setUser({ userId: event.user.id, name: event.user.name });
    view.hideCard();
    view.system(`Signed in as ${event.user.name ?? event.user.id}. Your conversation is kept.`, serverNow());
    options.onAuthenticated?.(event.user);
    const earlier = event.previousConversations.filter((conversation) => conversation.messageCount > 0);
    if (earlier.length > 0) view.askResume(earlier, (id) => void resume(id));
  }

  /** Only on the visitor's answer: switch to an earlier conversation of theirs. */
  async function resume(conversationId: string): Promise<void> {
    try {
      const { messages } = await client.resume(conversationId);
      resetConversation();
      resumedId = conversationId;
      const sessionId = client.getCurrentUser()?.sessionId;
      if (sessionId) writeSession(RESUME_KEY, JSON.stringify({ sessionId, conversationId }));
      showMessages(messages);
      view.system('Continuing your earlier conversation.', serverNow());
    } catch (error) {
      view.notice(errorText(error), 'error');
    }
  }

  function storedResume(): string | null {
    try {
      const stored = JSON.parse(readSession(RESUME_KEY) ?? 'null') as { sessionId?: string; conversationId?: string } | null;
      return stored?.sessionId && stored.sessionId === client.getCurrentUser()?.sessionId ? (stored.conversationId ?? null) : null;
    } catch {
      return null;
    }
  }

  async function linkFromMainApp(identityToken: string): Promise<UserInfo> {
    ensureConnected();
    try {
      return (await session.linkFromMainApp(identityToken)).user;
    } catch (error) {
      view.notice(`Sign-in failed. ${errorText(error)}`, 'error');
      throw error;
    }
  }

  function requestSignIn(): void {
    if (options.onLoginRequested) {
      Promise.resolve()
        .then(() => options.onLoginRequested!())
        .then((token) => (typeof token === 'string' && token ? linkFromMainApp(token) : undefined))
        .catch(() => undefined); // shown by linkFromMainApp
      return;
    }
    ensureConnected();
    const hosted = async (run: () => Promise<AuthenticatedEvent>) => {
      try {
        await run();
      } catch (error) {
        throw new Error(errorText(error));
      }
    };
    view.showLoginForm({
      signIn: (email, password) => hosted(() => session.authenticate(email, password)),
      signUp: (email, password, name) => hosted(() => session.signUp({ email, password, name: name || undefined })),
      cancel: () => undefined,
    });
  }

  async function logout(fromWidget = false): Promise<void> {
    loggingOut = true;
    try {
      await client.logout();
    } catch {
      // the tokens are cleared either way; the server ends an abandoned session by itself
    } finally {
      loggingOut = false;
    }
    setUser(null);
    resetConversation();
    view.system('You signed out.', serverNow());
    if (fromWidget) options.onLogout?.();
    ensureConnected();
  }

  return {
    client,
    ready,
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!view.isOpen()),
    linkFromMainApp,
    logout: () => logout(false),
    getUser: () => (user ? { ...user } : null),
    destroy() {
      destroyed = true;
      for (const undo of unsubscribe) undo();
      client.disconnect();
      host.remove();
    },
  };
}

function readSession(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeSession(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // storage unavailable: the widget just forgets
  }
}
