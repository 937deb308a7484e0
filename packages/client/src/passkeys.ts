import type { ClientFrame } from '@tessera/protocol';
import type { AuthenticatedEvent } from './chat-events.js';
import { TesseraError } from './errors.js';
import type { PasskeysApi } from './passkeys-api.js';
import type {
  PasskeyAuthenticationResponseJSON,
  PasskeyCreationOptionsJSON,
  PasskeyInfo,
  PasskeyRegistrationResponseJSON,
  PasskeyRequestOptionsJSON,
} from './passkeys-json.js';
import type { TokenManager } from './token-manager.js';

/**
 * Passkeys on the chat client. The browser part (`navigator.credentials`, or
 * @simplewebauthn/browser's `startRegistration`/`startAuthentication`) is the app's:
 *
 *     const options = await client.passkeyAuthenticationOptions();
 *     await client.signInWithPasskey(await startAuthentication({ optionsJSON: options }));
 */
export interface PasskeyMethods {
  /** Options to register a passkey for the signed-in user (FORBIDDEN while anonymous); valid 5 minutes, once. */
  passkeyRegistrationOptions(): Promise<PasskeyCreationOptionsJSON>;
  /** Registers the authenticator's answer to `passkeyRegistrationOptions()`. */
  registerPasskey(response: PasskeyRegistrationResponseJSON, name?: string): Promise<PasskeyInfo>;
  /** The signed-in user's passkeys. */
  listPasskeys(): Promise<PasskeyInfo[]>;
  /** Removes one of them (CONFLICT when it is the user's last way to sign in). */
  deletePasskey(id: string): Promise<void>;
  /** Options to sign this chat in with a passkey (anonymous or signed in); valid 5 minutes, once. */
  passkeyAuthenticationOptions(): Promise<PasskeyRequestOptionsJSON>;
  /**
   * Signs in with the authenticator's answer to `passkeyAuthenticationOptions()`: in-band on the open
   * socket, which stays open as the user's, else over HTTP. The conversation is kept; the same user
   * again re-authenticates (a fresh `auth_time`).
   */
  signInWithPasskey(response: PasskeyAuthenticationResponseJSON): Promise<AuthenticatedEvent>;
}

export interface PasskeyMethodsOptions {
  api: PasskeysApi;
  tokens: TokenManager;
  /** The chat client's one sign-in path: in-band on the open socket, else `POST /v1/auth/link`. */
  signIn(frame: Extract<ClientFrame, { type: 'authenticate' }>, body: Record<string, unknown>): Promise<AuthenticatedEvent>;
}

export function createPasskeyMethods({ api, tokens, signIn }: PasskeyMethodsOptions): PasskeyMethods {
  /** The session's access token (never racing a refresh of it): challenges belong to the session. */
  async function accessToken(createSession: boolean): Promise<string> {
    await tokens.settled();
    const token = await tokens.getAccessToken({ createSession });
    if (!token) throw new TesseraError('NO_CREDENTIALS', 'no session');
    return token;
  }

  return {
    passkeyRegistrationOptions: async () => api.registrationOptions(await accessToken(false)),
    registerPasskey: async (response, name) => api.register(await accessToken(false), response, name),
    listPasskeys: async () => api.list(await accessToken(false)),
    deletePasskey: async (id) => api.remove(await accessToken(false), id),
    passkeyAuthenticationOptions: async () => api.authenticationOptions(await accessToken(true)),
    signInWithPasskey: (response) => signIn({ type: 'authenticate', method: 'passkey', response }, { method: 'passkey', response }),
  };
}
