import type { AuthenticatedEvent, ConnectionState, CurrentUser, TesseraError } from '@tessera/client';
import { useMemo, useSyncExternalStore } from 'react';
import { sessionStoreOf } from './session-store.js';
import { useTessera } from './tessera-context.js';
import { useCurrentUser } from './use-current-user.js';

export interface TesseraSession {
  /** The connection: `connecting`, `connected`, `reconnecting`, `closed` (the session ended: see `error`)... */
  status: ConnectionState;
  /** Why the client stopped or is failing: `SESSION_REVOKED`, `REFRESH_TOKEN_REUSED`, `ORIGIN_NOT_ALLOWED`...; null once connected. */
  error: TesseraError | null;
  user: CurrentUser | null;
  /** Signed in as one of your users (`user.userId`), as opposed to an anonymous visitor. */
  signedIn: boolean;
  /** Signs in with email and password; the conversation so far becomes the user's. */
  signIn(credentials: { email: string; password: string }): Promise<AuthenticatedEvent>;
  /** Signs in with an identity token minted by your main app. */
  linkFromMainApp(identityToken: string): Promise<AuthenticatedEvent>;
  /** Ends the session on the server and clears the stored tokens (no `error`: it was asked for). */
  logout(): Promise<void>;
  /** Connects again, e.g. after a logout: a new anonymous session. */
  connect(): Promise<void>;
}

/** The session: connection status, who is signed in, and the ways to sign in and out. */
export function useSession(): TesseraSession {
  const client = useTessera();
  const store = sessionStoreOf(client);
  const { status, error } = useSyncExternalStore(store.subscribe, store.snapshot);
  const user = useCurrentUser();
  return useMemo(
    () => ({
      status,
      error,
      user,
      signedIn: user?.auth === 'user',
      signIn: (credentials) => client.authenticate(credentials),
      linkFromMainApp: (identityToken) => client.linkFromMainApp(identityToken),
      logout: () => client.logout(),
      connect: () => client.connect(),
    }),
    [client, status, error, user],
  );
}
