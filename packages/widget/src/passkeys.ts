import type { AuthenticatedEvent, ChatClient, PasskeyInfo } from '@tessera/client';
import type * as Ceremony from './passkey-ceremony.js';
import { errorText } from './text.js';
import { t } from './strings.js';

/** Passkeys in the widget: "Use a passkey" to sign in, "Add a passkey" once signed in. */
export interface WidgetPasskeys {
  /** Offered at all: the page turned them on (`passkeys: true`) and the browser has WebAuthn. */
  readonly enabled: boolean;
  /** The browser's passkey dialog, then this chat signed in as the passkey's user (its conversation kept). */
  signIn(): Promise<AuthenticatedEvent>;
  /** The browser's dialog to create a passkey for the signed-in user, registered with Tessera. */
  add(): Promise<PasskeyInfo>;
  /** Whether to suggest adding one: signed in, and no passkey yet. */
  worthOffering(): Promise<boolean>;
}

/**
 * `chunkUrl`: the passkeys chunk (passkey-ceremony.ts), loaded at once when passkeys are offered, so
 * that it is there before the visitor's click.
 */
export function createWidgetPasskeys(client: ChatClient, wanted: boolean, chunkUrl: string): WidgetPasskeys {
  const enabled = wanted && typeof globalThis.PublicKeyCredential === 'function';
  const ceremony: Promise<typeof Ceremony> | null = enabled ? import(/* webpackIgnore: true */ chunkUrl) : null;
  ceremony?.catch(() => undefined); // reported when used
  return {
    enabled,
    async signIn() {
      const [{ startAuthentication }, optionsJSON] = await Promise.all([ceremony!, client.passkeyAuthenticationOptions()]);
      return client.signInWithPasskey(await startAuthentication({ optionsJSON }));
    },
    async add() {
      const [{ startRegistration }, optionsJSON] = await Promise.all([ceremony!, client.passkeyRegistrationOptions()]);
      return client.registerPasskey(await startRegistration({ optionsJSON }));
    },
    async worthOffering() {
      if (!enabled || !(await userTokens(client))) return false;
      const held = await client.listPasskeys().catch(() => null);
      return held !== null && held.length === 0;
    },
  };
}

/** The sign-in event comes before the client holds the user's tokens (in-band): waits for them, a moment at most. */
function userTokens(client: ChatClient): Promise<boolean> {
  const isUser = () => client.getCurrentUser()?.auth === 'user';
  if (isUser()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(isUser());
    }, 2000);
    const stop = client.tokens.onChange(() => {
      if (!isUser()) return;
      clearTimeout(timer);
      stop();
      resolve(true);
    });
  });
}

/** What went wrong with a passkey, for people: the browser's refusals, then Tessera's. */
export function passkeyErrorText(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  if (name === 'AbortError' || name === 'NotAllowedError' || code === 'ERROR_CEREMONY_ABORTED') return t.errNoPasskey;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') return t.errPasskeyExists;
  if (name === 'SecurityError' || code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID') return t.errPasskeyNotSetUp;
  if (code === 'INVALID_CREDENTIALS') return t.errPasskeyRefused;
  return errorText(error);
}
