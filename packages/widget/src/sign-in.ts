import type { AuthenticatedEvent, AuthRequiredEvent, UserInfo } from '@tessera/client';
import type { LoginFormHandlers } from './login-form.js';
import type { ResolvedOptions } from './options.js';
import type { WidgetSession } from './session.js';
import { createSignInCard } from './signin-card.js';
import { errorText } from './text.js';
import type { View } from './view.js';

export interface SignInDeps {
  options: ResolvedOptions;
  session: WidgetSession;
  view: View;
  /** The server's time now, for placing items. */
  now(): number;
  ensureConnected(): void;
}

export interface SignIn {
  /** "Sign in": the host page's own login (`onLoginRequested`), else the hosted-accounts form. */
  request(): void;
  /** Signs in with an identity token from the host page's app; a failure is shown too. */
  linkFromMainApp(identityToken: string): Promise<UserInfo>;
  /** The assistant asks for sign-in: a card in the conversation, offering the methods it accepts. */
  ask(event: AuthRequiredEvent): void;
  /** Signed in, or a new conversation: the assistant's card goes. */
  removeCard(): void;
}

/** The ways a visitor signs in from the widget: the host page's login, hosted accounts, the assistant's card. */
export function createSignIn({ options, session, view, now, ensureConnected }: SignInDeps): SignIn {
  let card: HTMLElement | null = null;

  async function linkFromMainApp(identityToken: string): Promise<UserInfo> {
    ensureConnected();
    try {
      return (await session.linkFromMainApp(identityToken)).user;
    } catch (error) {
      view.notice(`Sign-in failed. ${errorText(error)}`, 'error');
      throw error;
    }
  }

  function request(): void {
    if (options.onLoginRequested) {
      Promise.resolve()
        .then(() => options.onLoginRequested!())
        .then((token) => (typeof token === 'string' && token ? linkFromMainApp(token) : undefined))
        .catch(() => undefined); // shown by linkFromMainApp
      return;
    }
    ensureConnected();
    view.showLoginForm(hostedAccountForm());
  }

  /** The hosted-accounts form's actions: sign in, or create an account (errors in words for people). */
  function hostedAccountForm(): LoginFormHandlers {
    const hosted = async (run: () => Promise<AuthenticatedEvent>) => {
      try {
        await run();
      } catch (error) {
        throw new Error(errorText(error));
      }
    };
    return {
      signIn: (email, password) => hosted(() => session.authenticate(email, password)),
      signUp: (email, password, name) => hosted(() => session.signUp({ email, password, name: name || undefined })),
      cancel: () => undefined,
    };
  }

  function removeCard(): void {
    card?.remove();
    card = null;
  }

  return {
    request,
    linkFromMainApp,
    ask({ reason, methods }) {
      removeCard();
      card = createSignInCard({
        reason,
        viaHost: methods.includes('jwt') && options.onLoginRequested ? request : undefined,
        password: methods.includes('password') && options.hostedAccounts ? hostedAccountForm() : undefined,
        dismiss: removeCard,
      });
      view.addItem(card, now());
      view.countUnread();
    },
    removeCard,
  };
}
