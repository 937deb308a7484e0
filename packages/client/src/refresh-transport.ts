import type { TokenPair } from '@tessera/protocol';
import type { TokenStorage } from './storage/token-storage.js';

/** What a Tessera endpoint answers with when it issues tokens. */
export interface IssuedBody {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
}

/**
 * How the refresh token travels between the server and the client, decided once from the
 * storage: in an httpOnly cookie only the server can read or set, or in JSON bodies.
 * Every difference between the two modes is here; nothing else asks which mode it is.
 */
export interface RefreshTransport {
  readonly kind: 'cookie' | 'body';
  /**
   * New refresh tokens can only come as an HTTP response (the `Set-Cookie`): sessions and
   * sign-ins go over HTTP, never over the socket.
   */
  readonly issuesOverHttp: boolean;
  /** `fetch` credentials of every call that reads or sets the refresh token. */
  readonly credentials: RequestCredentials | undefined;
  /** Headers of calls that present the refresh token (refresh, logout): the cookie needs the CSRF header. */
  readonly presentHeaders: Readonly<Record<string, string>>;
  /** Body fields telling `POST /v1/sessions` where to put the refresh token. */
  readonly sessionFields: Readonly<Record<string, string>>;
  /** Body fields telling `POST /v1/auth/link` where to put the refresh token. */
  readonly linkFields: Readonly<Record<string, string>>;
  /** The body of `POST /v1/auth/refresh`. */
  refreshBody(refreshToken: string | undefined): Record<string, string | undefined>;
  /** Whether there may be a refresh token to refresh with (for the cookie: maybe, we cannot see it). */
  canRefresh(held: TokenPair | null): boolean;
  /** Whether there may be a session to revoke. */
  hasCredentials(held: { accessToken?: string | null; refreshToken?: string }): boolean;
  /** The pair the client keeps from an answer; `previousRefreshToken` stands in when none was rotated. */
  keep(body: IssuedBody, previousRefreshToken?: string): TokenPair;
}

const cookieTransport: RefreshTransport = {
  kind: 'cookie',
  issuesOverHttp: true,
  credentials: 'include',
  presentHeaders: { 'x-tessera-csrf': '1' },
  sessionFields: { tokenTransport: 'cookie' },
  linkFields: { tokenTransport: 'cookie' },
  refreshBody: () => ({}),
  canRefresh: () => true,
  hasCredentials: () => true,
  // The refresh token is the cookie: never held, even if an answer carried one.
  keep: ({ accessToken, expiresAt }) => ({ accessToken, expiresAt }),
};

const bodyTransport: RefreshTransport = {
  kind: 'body',
  issuesOverHttp: false,
  credentials: undefined,
  presentHeaders: {},
  sessionFields: { tokenTransport: 'body' },
  linkFields: {},
  refreshBody: (refreshToken) => ({ refreshToken }),
  canRefresh: (held) => Boolean(held?.refreshToken),
  hasCredentials: (held) => Boolean(held.accessToken || held.refreshToken),
  keep: ({ accessToken, refreshToken, expiresAt }, previousRefreshToken) => ({
    accessToken,
    expiresAt,
    refreshToken: refreshToken ?? previousRefreshToken,
  }),
};

/** Cookie storage (`createCookieStorage()`) means the cookie; any other storage holds the refresh token itself. */
export function refreshTransportFor(storage: TokenStorage | undefined): RefreshTransport {
  return storage?.cookieMode === true ? cookieTransport : bodyTransport;
}
