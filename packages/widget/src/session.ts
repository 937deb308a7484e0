import {
  createChatClient,
  createCookieStorage,
  TesseraError,
  type AuthenticatedEvent,
  type ChatClient,
  type ConversationInfo,
  type TokenPair,
  type UserInfo,
} from '@tessera/client';
import { createExpiringLocalStorage } from './expiring-storage.js';
import type { ResolvedOptions } from './options.js';

export interface WidgetSession {
  client: ChatClient;
  /** Signs in with an identity token from the host page's app. */
  linkFromMainApp(identityToken: string): Promise<AuthenticatedEvent>;
  /** Signs in with a hosted account. */
  authenticate(email: string, password: string): Promise<AuthenticatedEvent>;
  /**
   * Creates a hosted account and signs this session in with it, or, where the server mails
   * codes, answers `{verification: "email_code"}`: the chat signs in with the code mailed to
   * the address (`client.signInWithEmailCode`). The answer is the same for an address that
   * already has an account (its owner is mailed instead).
   */
  signUp(input: { email: string; password: string; name?: string }): Promise<AuthenticatedEvent | EmailVerification>;
  /** The signed-in user's profile (`GET /v1/me`), for a session restored after a reload. */
  me(): Promise<UserInfo | null>;
  /** Every sign-in of this session, however it happened (in-band, over HTTP, by the host on `client`). */
  onSignedIn(listener: (event: AuthenticatedEvent) => void): () => void;
}

/** Sign-up is not finished: the address must be proven with the code mailed to it. */
export interface EmailVerification {
  verification: 'email_code';
}

interface LinkResponse extends TokenPair {
  user: UserInfo;
  previousConversations?: ConversationInfo[];
}

/**
 * Builds the chat client for the embedding mode:
 * - `cookie` (same origin): the refresh token lives in Tessera's httpOnly cookie, refreshes
 *   carry `X-Tessera-CSRF: 1`, the access token stays in memory; nothing in localStorage.
 * - `local` (another origin, publishable key) and `partner` (init token from the partner's
 *   backend): tokens in localStorage with a short idle lifetime.
 */
export function createWidgetSession(options: ResolvedOptions): WidgetSession {
  const { url, mode } = options;
  const storageKey = `tessera.widget:${url}`;
  const storage =
    mode === 'cookie' ? createCookieStorage() : createExpiringLocalStorage(storageKey, options.storageMaxIdleMinutes * 60_000);
  const client = createChatClient({
    url,
    storage,
    ...(mode === 'partner'
      ? { tokenProvider: () => startPartnerSession(url, options.initTokenUrl!) }
      : { publishableKey: options.publishableKey }),
  });

  /**
   * Sign-up (a hosted account, and this session signed in with it) is not in the SDK:
   * `POST /v1/auth/signup` with the session's access token, then the new pair handed
   * to the SDK (in cookie mode the refresh token comes back as the httpOnly cookie).
   * The socket is then closed with 4002 by the server and the SDK reconnects as the user.
   * Where the server mails codes it answers 202 `{verification: "email_code"}` instead, and
   * nothing changes here until the chat signs in with the code.
   */
  async function signUpOverHttp(body: Record<string, string>): Promise<AuthenticatedEvent | EmailVerification> {
    await client.tokens.settled(); // never race a refresh of the tokens this replaces
    const accessToken = await client.tokens.getAccessToken();
    if (!accessToken) throw new TesseraError('NO_CREDENTIALS', 'no session to sign in');
    const result = await postJson<LinkResponse | EmailVerification>(
      `${url}/v1/auth/signup`,
      { ...body, tokenTransport: mode === 'cookie' ? 'cookie' : 'body' },
      {
        authorization: `Bearer ${accessToken}`,
      },
    );
    if ('verification' in result) return { verification: result.verification };
    await client.tokens.setTokens(
      mode === 'cookie'
        ? { accessToken: result.accessToken, expiresAt: result.expiresAt }
        : { accessToken: result.accessToken, refreshToken: result.refreshToken, expiresAt: result.expiresAt },
      'server',
    );
    const event: AuthenticatedEvent = { user: result.user, previousConversations: result.previousConversations ?? [] };
    for (const listener of [...listeners]) listener(event);
    return event;
  }

  const listeners = new Set<(event: AuthenticatedEvent) => void>();
  client.on('authenticated', (event) => {
    for (const listener of [...listeners]) listener(event);
  });

  return {
    client,
    onSignedIn(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    linkFromMainApp: (token) => client.linkFromMainApp(token),
    authenticate: (email, password) => client.authenticate({ email, password }),
    signUp: ({ email, password, name }) => signUpOverHttp({ email, password, ...(name ? { name } : {}) }),
    async me() {
      const accessToken = await client.tokens.getAccessToken({ createSession: false });
      if (!accessToken) return null;
      const response = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      if (!response.ok) return null;
      return ((await response.json()) as { user: UserInfo | null }).user;
    },
  };
}

/**
 * Partner embedding: an init token from the partner's backend (same-origin call to
 * the partner), then `POST /v1/sessions {initToken}` to Tessera, which accepts it
 * only from the partner's allowed origins.
 */
async function startPartnerSession(url: string, initTokenUrl: string): Promise<TokenPair> {
  let initToken: string | undefined;
  try {
    const response = await fetch(initTokenUrl, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    initToken = ((await response.json()) as { initToken?: string }).initToken;
  } catch (cause) {
    throw new TesseraError('NETWORK_ERROR', 'could not get an init token from this site', { cause });
  }
  if (typeof initToken !== 'string') throw new TesseraError('NETWORK_ERROR', 'the init token URL answered without an initToken');
  const { accessToken, refreshToken, expiresAt } = await postJson<TokenPair>(`${url}/v1/sessions`, { initToken, tokenTransport: 'body' });
  return { accessToken, refreshToken, expiresAt };
}

async function postJson<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  } catch (cause) {
    throw new TesseraError('NETWORK_ERROR', 'network error', { cause });
  }
  const parsed = (await response.json().catch(() => null)) as (T & { error?: { code?: string; message?: string } }) | null;
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new TesseraError((parsed?.error?.code ?? 'INTERNAL') as never, parsed?.error?.message ?? `HTTP ${response.status}`, {
      status: response.status,
      retryAfterMs: retryAfter > 0 ? retryAfter * 1000 : undefined,
    });
  }
  return parsed as T;
}
