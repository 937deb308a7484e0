import type { ChatClient, CurrentUser } from '@tessera/client';
import { useSyncExternalStore } from 'react';
import { useTessera } from './tessera-context.js';

/** The last user read per client, with the access token it was read from: the same token, the same object. */
const readings = new WeakMap<ChatClient, { accessToken: string | null; user: CurrentUser | null }>();

function currentUserOf(client: ChatClient): CurrentUser | null {
  const accessToken = client.tokens.current()?.accessToken ?? null;
  const last = readings.get(client);
  if (last && last.accessToken === accessToken) return last.user;
  const user = client.getCurrentUser();
  readings.set(client, { accessToken, user });
  return user;
}

/**
 * Who the chat is with, from the access token (for display: name, avatar, your `userId`,
 * custom claims); null before a session. Re-renders when the tokens change: a sign-in, a
 * refresh, the end of the session.
 */
export function useCurrentUser(): CurrentUser | null {
  const client = useTessera();
  return useSyncExternalStore(
    (onChange) => client.tokens.onChange(onChange),
    () => currentUserOf(client),
  );
}
