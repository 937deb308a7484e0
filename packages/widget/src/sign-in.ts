import type { AuthRequiredEvent, UserInfo } from '@tessera/client';
import { createEmailSignInChoice } from './email-sign-in-choice.js';
import type { EmailSignIn } from './email-sign-in.js';
import type { HostedOutcome, LoginFormHandlers } from './login-form.js';
import type { ResolvedOptions } from './options.js';
import { createPasskeyButton } from './passkey-button.js';
import type { WidgetPasskeys } from './passkeys.js';
import { createProviderButtons } from './provider-buttons.js';
import type { WidgetSession } from './session.js';
import { createSignInCard } from './signin-card.js';
import { createSignInChoices } from './sign-in-choices.js';
import type { SocialSignIn } from './social-sign-in.js';
import { errorText } from './text.js';
import type { View } from './view.js';
import { t } from './strings.js';

export interface SignInDeps {
  options: ResolvedOptions;
  session: WidgetSession;
  view: View;
  /** Sign-in with the tenant's providers ("Continue with ..."). */
  social: SocialSignIn;
  /** "Use a passkey", when the page offers passkeys. */
  passkeys: WidgetPasskeys;
  /** "Email me a code" / "Email me a link", when the page offers email sign-in. */
  email: EmailSignIn;
  /** The server's time now, for placing items. */
  now(): number;
  ensureConnected(): void;
}

export interface SignIn {
  /** "Sign in": the host page's own login (`onLoginRequested`), else a card with the providers and the hosted-accounts form. */
  request(): void;
  /** Signs in with an identity token from the host page's app; a failure is shown too. */
  linkFromMainApp(identityToken: string): Promise<UserInfo>;
  /** The assistant asks for sign-in: a card in the conversation, offering the methods it accepts. */
  ask(event: AuthRequiredEvent): void;
  /** Signed in, or a new conversation: the assistant's card goes. */
  removeCard(): void;
}

/** The ways a visitor signs in from the widget: the host page's login, hosted accounts, the assistant's card. */
export function createSignIn({ options, session, view, social, passkeys, email, now, ensureConnected }: SignInDeps): SignIn {
  let card: HTMLElement | null = null;
  /** Counts asks and removals: a card waiting for the providers shows only if nothing came since. */
  let asks = 0;
  const providerButtons = () => (social.providers.length ? createProviderButtons(social.providers, social) : undefined);

  async function linkFromMainApp(identityToken: string): Promise<UserInfo> {
    ensureConnected();
    try {
      return (await session.linkFromMainApp(identityToken)).user;
    } catch (error) {
      view.notice(`${t.signInFailed} ${errorText(error)}`, 'error');
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
    view.showSignInCard((close) =>
      createSignInChoices({
        passkey: passkeys.enabled ? createPasskeyButton(passkeys) : undefined,
        providers: providerButtons(),
        email: email.enabled ? createEmailSignInChoice(email) : undefined,
        password: options.hostedAccounts ? hostedAccountForm() : undefined,
        close,
      }),
    );
  }

  /**
   * The hosted-accounts form's actions: sign in, or create an account (errors in words for people).
   * Where the server mails codes, sign-up answers with a code to the address instead of signing in,
   * and a password on an account whose address was never proven is refused (`FORBIDDEN`): both go
   * on to the code step, which signs in with `signInWithEmailCode`.
   */
  function hostedAccountForm(): LoginFormHandlers {
    const hosted = async (run: () => Promise<HostedOutcome>) => {
      try {
        return await run();
      } catch (error) {
        throw new Error(errorText(error));
      }
    };
    return {
      signIn: (address, password) =>
        hosted(async () => {
          try {
            await session.authenticate(address, password);
            return 'signed-in';
          } catch (error) {
            if (isUnconfirmedAddress(error)) return 'confirm-email';
            throw error;
          }
        }),
      signUp: (address, password, name) =>
        hosted(async () => {
          const result = await session.signUp({ email: address, password, name: name || undefined });
          return 'verification' in result ? 'confirm-email' : 'signed-in';
        }),
      codes: email,
      cancel: () => undefined,
    };
  }

  function showCard({ reason, methods }: AuthRequiredEvent): void {
    const viaHost = methods.includes('jwt') && options.onLoginRequested ? request : undefined;
    const password = methods.includes('password') && options.hostedAccounts ? hostedAccountForm() : undefined;
    // The tenant's providers when the agent accepts them, or when the page offers no other way.
    const acceptsProviders = methods.some((method) => method === 'oauth' || method.startsWith('oauth:'));
    const providers = acceptsProviders || (!viaHost && !password) ? providerButtons() : undefined;
    const passkey = passkeys.enabled && methods.includes('passkey') ? createPasskeyButton(passkeys) : undefined;
    // Email codes and links sign in the tenant's accounts by address, as the password does.
    const acceptsEmail = methods.some((method) => method === 'email_code' || method === 'magic_link' || method === 'password');
    const byEmail = email.enabled && acceptsEmail ? createEmailSignInChoice(email) : undefined;
    card = createSignInCard({ reason, viaHost, passkey, providers, email: byEmail, password, dismiss: removeCard });
    view.addItem(card, now());
    view.countUnread();
  }

  /** Removes the card, or cancels the one still waiting for the providers. */
  function removeCard(): void {
    asks++;
    card?.remove();
    card = null;
  }

  return {
    request,
    linkFromMainApp,
    ask(requirement) {
      removeCard();
      const asked = asks;
      // The card offers the tenant's providers: wait for the list (loaded once, at mount) if it is still coming.
      void social.load().then(() => {
        if (asked === asks) showCard(requirement);
      });
    },
    removeCard,
  };
}

/** A password sign-in refused because the account's address was never proven (only where the server mails codes). */
function isUnconfirmedAddress(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'FORBIDDEN';
}
