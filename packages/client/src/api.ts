import type {
  ConversationInfo,
  SessionInfo,
  SignInFlowStart,
  SignInFlowState,
  SignInProviderInfo,
  TokenPair,
  UserInfo,
} from '@tessera/protocol';
import { systemClock, type Clock } from './clock.js';
import { TesseraError } from './errors.js';
import { requestJson, type FetchLike, type HttpRequest, type HttpResult } from './http.js';
import { refreshTransportFor, type IssuedBody, type RefreshTransport } from './refresh-transport.js';
import type { TokenStorage } from './storage/token-storage.js';

export interface ApiOptions {
  /** HTTP base URL of Tessera, without a trailing slash. */
  baseUrl: string;
  /** Decides the refresh-token transport: cookie storage means the httpOnly cookie. */
  storage?: TokenStorage;
  fetch?: FetchLike;
  clock?: Clock;
  /** Timeout of the calls that issue or renew tokens (sessions, refresh). */
  tokenTimeoutMs: number;
  /** Timeout of the other calls (link, logout). */
  requestTimeoutMs: number;
}

/** A pair an endpoint just issued, with what its response says of the server's clock. */
export interface Issued {
  tokens: TokenPair;
  serverDateMs: number | null;
  receivedAtMs: number;
}

export interface Linked {
  tokens: TokenPair;
  user: UserInfo;
  session?: SessionInfo;
  previousConversations: ConversationInfo[];
}

/** Every REST call the client makes to Tessera. */
export interface TesseraApi {
  readonly transport: RefreshTransport;
  /** `POST /v1/sessions`: a new anonymous session with the publishable key. */
  startSession(publishableKey: string): Promise<Issued & { session?: SessionInfo }>;
  /** `POST /v1/auth/refresh`: a new pair for the refresh token (or the cookie). */
  refresh(refreshToken: string | undefined): Promise<Issued>;
  /**
   * After a reload: the session the browser still holds in the refresh cookie, if any (a 4xx
   * means none). Null when the transport keeps nothing outside the client.
   */
  readonly restore: (() => Promise<Issued | null>) | null;
  /** `POST /v1/auth/link`: signs the session in (identity token or password); the pair is the user's. */
  link(accessToken: string, body: Record<string, unknown>): Promise<Linked>;
  /** `POST /v1/auth/logout`: revokes the session; one already gone (401) is fine. Skipped with no credentials. */
  logout(credentials: { accessToken?: string | null; refreshToken?: string }): Promise<void>;
  /** `GET /v1/auth/providers`: the tenant's sign-in providers, asked with the publishable key or an access token. */
  providers(credentials: { publishableKey: string } | { accessToken: string }): Promise<SignInProviderInfo[]>;
  /**
   * `POST /v1/auth/flows`: starts a sign-in flow of the session (`oauth`: its `url` is the provider's page;
   * `magic_link`: sent with credentials, for the cookie of the browser that asked).
   */
  startFlow(accessToken: string, body: SignInFlowRequest): Promise<SignInFlowStart>;
  /** `GET /v1/auth/flows/{flowId}`: where a flow of the session stands. */
  flowState(accessToken: string, flowId: string): Promise<SignInFlowState>;
}

/** What `POST /v1/auth/flows` takes: a provider's sign-in (`returnTo`: where a redirect comes back), or a magic link. */
export type SignInFlowRequest = { method: 'oauth'; provider: string; returnTo?: string } | { method: 'magic_link'; email: string };

export function createApi(options: ApiOptions): TesseraApi {
  const { baseUrl, tokenTimeoutMs, requestTimeoutMs } = options;
  const clock = options.clock ?? systemClock;
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const transport = refreshTransportFor(options.storage);

  const call = <T>(path: string, request: HttpRequest, timeoutMs: number): Promise<HttpResult<T>> =>
    requestJson<T>(fetchFn, clock, `${baseUrl}${path}`, request, timeoutMs);

  const issued = (result: HttpResult<IssuedBody>, previousRefreshToken?: string): Issued => ({
    tokens: transport.keep(result.body, previousRefreshToken),
    serverDateMs: result.serverDateMs,
    receivedAtMs: result.receivedAtMs,
  });

  const refresh = async (refreshToken: string | undefined): Promise<Issued> => {
    const result = await call<IssuedBody>(
      '/v1/auth/refresh',
      { body: transport.refreshBody(refreshToken), credentials: transport.credentials, headers: { ...transport.presentHeaders } },
      tokenTimeoutMs,
    );
    return issued(result, refreshToken);
  };

  return {
    transport,

    async startSession(publishableKey) {
      const result = await call<IssuedBody & { session?: SessionInfo }>(
        '/v1/sessions',
        { body: { ...transport.sessionFields }, headers: { 'x-tessera-key': publishableKey }, credentials: transport.credentials },
        tokenTimeoutMs,
      );
      return { ...issued(result), session: result.body.session };
    },

    refresh,

    restore: transport.canRefresh(null)
      ? async () => {
          try {
            return await refresh(undefined);
          } catch (error) {
            if (error instanceof TesseraError && error.status !== undefined && error.status < 500) return null;
            throw error;
          }
        }
      : null,

    async link(accessToken, body) {
      const { body: result } = await call<
        IssuedBody & { user: UserInfo; session?: SessionInfo; previousConversations?: ConversationInfo[] }
      >(
        '/v1/auth/link',
        {
          body: { ...body, ...transport.linkFields },
          headers: { authorization: `Bearer ${accessToken}` },
          credentials: transport.credentials,
        },
        requestTimeoutMs,
      );
      return {
        tokens: transport.keep(result),
        user: result.user,
        session: result.session,
        previousConversations: result.previousConversations ?? [],
      };
    },

    async logout({ accessToken, refreshToken }) {
      if (!transport.hasCredentials({ accessToken, refreshToken })) return;
      await call(
        '/v1/auth/logout',
        {
          body: refreshToken ? { refreshToken } : {},
          headers: { ...(accessToken && { authorization: `Bearer ${accessToken}` }), ...transport.presentHeaders },
          credentials: transport.credentials,
        },
        requestTimeoutMs,
      ).catch((error: unknown) => {
        // A 401 means the session was already gone: that is what we wanted.
        if (!(error instanceof TesseraError && error.status === 401)) throw error;
      });
    },

    async providers(credentials) {
      const headers: Record<string, string> =
        'publishableKey' in credentials
          ? { 'x-tessera-key': credentials.publishableKey }
          : { authorization: `Bearer ${credentials.accessToken}` };
      const { body } = await call<{ providers: SignInProviderInfo[] }>('/v1/auth/providers', { method: 'GET', headers }, requestTimeoutMs);
      return body.providers;
    },

    async startFlow(accessToken, body) {
      const headers = { authorization: `Bearer ${accessToken}` };
      // A magic link's answer sets a cookie that makes confirming it in this browser one click.
      const credentials: RequestCredentials | undefined = body.method === 'magic_link' ? 'include' : undefined;
      return (await call<SignInFlowStart>('/v1/auth/flows', { body, headers, credentials }, requestTimeoutMs)).body;
    },

    async flowState(accessToken, flowId) {
      const headers = { authorization: `Bearer ${accessToken}` };
      const path = `/v1/auth/flows/${encodeURIComponent(flowId)}`;
      return (await call<{ state: SignInFlowState }>(path, { method: 'GET', headers }, requestTimeoutMs)).body.state;
    },
  };
}
