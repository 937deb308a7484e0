import type { AuthenticatedEvent, ChatClient, MessageInfo, StateChange, UserInfo } from '@tessera/client';
import { createEmailSignIn } from './email-sign-in.js';
import { createLiveReplies } from './live-replies.js';
import { createMarkdown } from './markdown.js';
import { offerPasskey } from './passkey-offer.js';
import { createWidgetPasskeys } from './passkeys.js';
import { resolveOptions, type WidgetOptions } from './options.js';
import { createProfile, type WidgetUser } from './profile.js';
import { createResumeMemory } from './resume-memory.js';
import { createWidgetSession } from './session.js';
import { createSignIn } from './sign-in.js';
import { createSocialSignIn } from './social-sign-in.js';
import { readTabValue, writeTabValue } from './tab-storage.js';
import { fill, t, useStrings } from './strings.js';
import { errorText, isTransient } from './text.js';
import { createTranscript } from './transcript.js';
import { createView } from './view.js';

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
  /**
   * "Continue with {provider}" from your own button: call it inside the click handler (it opens
   * the provider's popup at once; if blocked, the page goes there and comes back). Resolves once
   * the chat is signed in; the conversation stays.
   */
  signInWith(providerId: string): Promise<UserInfo>;
  /** Ends the chat session (the server revokes it) and starts a fresh anonymous one. */
  logout(): Promise<void>;
  /** The signed-in user, or null while anonymous. */
  getUser(): WidgetUser | null;
  /** Removes the widget from the page and closes its connection. */
  destroy(): void;
}

const OPEN_KEY = 'tessera.widget.open';
const HISTORY_LIMIT = 100;

/** `assetBase`: where widget.js came from (its on-demand chunks sit next to it); default Tessera's URL. */
export function mount(input: WidgetOptions, scriptOrigin: string | null = null, assetBase?: string): TesseraWidget {
  useStrings(input.locale, input.strings);
  const options = resolveOptions(input, scriptOrigin);
  const chunk = (name: string) => new URL(name, assetBase ?? `${options.url}/`).href;
  const markdown = createMarkdown(chunk('widget-markdown.js'));
  const session = createWidgetSession(options);
  const { client } = session;
  const social = createSocialSignIn({
    client,
    origin: options.url,
    now: serverNow,
    notice: (error) => view.notice(errorText(error), 'error'),
  });
  const passkeys = createWidgetPasskeys(client, options.passkeys === true, chunk('widget-passkeys.js'));
  const email = createEmailSignIn({
    client,
    enabled: options.emailSignIn === true,
    origin: options.url,
    now: serverNow,
    notice: (text) => view.notice(text, 'error'),
  });
  const canSignIn = () =>
    Boolean(options.onLoginRequested || options.hostedAccounts || passkeys.enabled || email.enabled || social.providers.length);

  const host = document.createElement('tessera-chat');
  const shadow = host.attachShadow({ mode: 'open' });
  const view = createView(shadow, {
    title: options.title,
    position: options.position,
    theme: options.theme,
    canSignIn: canSignIn(),
    onToggle: () => setOpen(!view.isOpen()),
    onSend: (text) => void sendMessage(text),
    onStop: () => replies.stop(),
    onSignIn: () => signIn.request(),
    onSignOut: () => void logout(true),
    format: markdown.render,
  });
  // Mounted from a script in <head>: the host element goes in once there is a body.
  if (options.container ?? document.body) (options.container ?? document.body).append(host);
  else document.addEventListener('DOMContentLoaded', () => document.body.append(host), { once: true });

  const transcript = createTranscript();
  const replies = createLiveReplies({ client, view, transcript, now: serverNow, changed: updateTyping });
  const signIn = createSignIn({ options, session, view, social, passkeys, email, now: serverNow, ensureConnected });
  const resumeMemory = createResumeMemory();
  const profile = createProfile(
    client,
    () => session.me(),
    (user) => {
      showUser(user);
      if (user) signIn.removeCard(); // signed in, maybe in another tab
    },
  );
  let loggingOut = false;
  let destroyed = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const unsubscribe = [
    client.on('state', onState),
    replies.detach,
    client.on('auth_required', signIn.ask),
    client.on('error', (error) => {
      if (!isTransient(error)) view.notice(errorText(error), 'error');
    }),
    session.onSignedIn(signedIn),
    social.detach,
    email.detach,
  ];

  greet();
  setOpen(options.open === true || readTabValue(OPEN_KEY) === '1', false, false);
  ensureConnected();

  function showUser(user: WidgetUser | null): void {
    view.setUser(user ? (user.name ?? user.userId) : null, canSignIn());
  }

  function serverNow(): number {
    return Date.now() + client.tokens.serverOffsetMs();
  }

  function setOpen(open: boolean, remember = true, focus = true): void {
    view.setOpen(open, focus);
    if (remember) writeTabValue(OPEN_KEY, open ? '1' : null);
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
    view.setTyping(transcript.awaitingReply);
  }

  function onState({ state, reason }: StateChange): void {
    view.setState(state);
    if (state === 'connected') void onConnected();
    else if (state === 'closed' && !loggingOut && !destroyed) sessionEnded(reason);
  }

  /** On every (re)connect: who we are, and the conversation as the server has it. */
  async function onConnected(): Promise<void> {
    markReady();
    profile.sync();
    social.resume(); // a sign-in left by a redirect to the provider
    email.resume(); // a magic link confirmed while the socket was away
    void social.load().then(() => showUser(profile.user)); // with providers, the header offers "Sign in"
    const resume = resumeMemory.conversationFor(client.getCurrentUser()?.sessionId);
    try {
      if (resume) {
        const { messages } = await client.resume(resume);
        resumeMemory.keep(resume);
        showMessages(messages);
        return;
      }
    } catch {
      resumeMemory.forget();
    }
    try {
      showMessages(await client.history({ limit: HISTORY_LIMIT }));
    } catch {
      // the next connect tries again
    }
  }

  function showMessages(messages: MessageInfo[]): void {
    const fresh = transcript.merge(messages);
    replies.merging(fresh);
    for (const message of fresh) {
      view.addMessage(message.role, message.content, message.createdAt, { stopped: message.stopped });
    }
    updateTyping();
  }

  function resetConversation(): void {
    transcript.clear();
    replies.clear();
    signIn.removeCard();
    resumeMemory.forget();
    view.clearMessages();
    view.hideCard();
    greet();
    updateTyping();
  }

  /** The session ended without us (revoked, signed out in another tab, erased, `client.logout()` by the host). */
  function sessionEnded(reason: string | undefined): void {
    const wasSignedIn = profile.user !== null;
    profile.set(null);
    resetConversation();
    view.system(wasSignedIn || reason === 'logout' ? t.signedOutElsewhere : t.sessionEnded, serverNow());
  }

  async function sendMessage(text: string): Promise<void> {
    view.hideNotice();
    const item = view.addMessage('user', text, serverNow(), { pending: true });
    ensureConnected();
    try {
      const ack = await client.send(text);
      if (transcript.addSent(ack.messageId)) item.remove();
      else item.markSent();
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
    profile.set({ userId: event.user.id, name: event.user.name });
    view.hideCard();
    signIn.removeCard();
    view.system(fill(t.signedInKept, { name: event.user.name ?? event.user.id }), serverNow());
    options.onAuthenticated?.(event.user);
    const earlier = event.previousConversations.filter((conversation) => conversation.messageCount > 0);
    if (earlier.length > 0) view.askResume(earlier, (id) => void resume(id));
    void offerPasskey(passkeys, (item) => view.addItem(item, serverNow()));
  }

  /** Only on the visitor's answer: switch to an earlier conversation of theirs. */
  async function resume(conversationId: string): Promise<void> {
    try {
      const { messages } = await client.resume(conversationId);
      resetConversation();
      resumeMemory.keep(conversationId, client.getCurrentUser()?.sessionId);
      showMessages(messages);
      view.system(t.continuing, serverNow());
    } catch (error) {
      view.notice(errorText(error), 'error');
    }
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
    profile.set(null);
    resetConversation();
    view.system(t.signedOut, serverNow());
    if (fromWidget) options.onLogout?.();
    ensureConnected();
  }

  return {
    client,
    ready,
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!view.isOpen()),
    linkFromMainApp: signIn.linkFromMainApp,
    signInWith: (providerId) => {
      ensureConnected();
      return social.start(providerId);
    },
    logout: () => logout(false),
    getUser: () => (profile.user ? { ...profile.user } : null),
    destroy() {
      destroyed = true;
      for (const undo of unsubscribe) undo();
      client.disconnect();
      host.remove();
    },
  };
}
