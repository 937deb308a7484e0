import type { ChatClient, UserInfo } from '@tessera/client';

export interface WidgetUser {
  /** Your app's user id. */
  userId: string;
  name: string | null;
}

/** Who the chat is signed in as: from the access token, with the name from the profile. */
export interface Profile {
  readonly user: WidgetUser | null;
  set(user: WidgetUser | null): void;
  /** Re-reads the access token (after a connect); a newly seen user's name is fetched from `/v1/me`. */
  sync(): void;
}

export function createProfile(
  client: ChatClient,
  me: () => Promise<UserInfo | null>,
  onChange: (user: WidgetUser | null) => void,
): Profile {
  let user: WidgetUser | null = null;

  function set(next: WidgetUser | null): void {
    user = next;
    onChange(next);
  }

  return {
    get user() {
      return user;
    },
    set,
    sync() {
      const current = client.getCurrentUser();
      const userId = current?.auth === 'user' ? current.userId : null;
      if (!userId) {
        if (user) set(null);
        return;
      }
      if (user?.userId === userId) return;
      set({ userId, name: null });
      me().then(
        (profile) => {
          if (profile && user?.userId === userId) set({ userId, name: profile.name });
        },
        () => undefined,
      );
    },
  };
}
