import { TesseraError } from '../errors.js';
import type { Passkey, Session, Store, User } from '../store/index.js';

/** A passkey as its owner sees it: never the key or the credential id. */
export interface PasskeyInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export function describePasskey(passkey: Passkey): PasskeyInfo {
  return { id: passkey.id, name: passkey.name, createdAt: passkey.createdAt, lastUsedAt: passkey.lastUsedAt };
}

/** The signed-in user of the session: only they manage their passkeys (an anonymous chat has none). */
export async function passkeyOwner(store: Store, session: Session): Promise<User> {
  if (session.userId === null) throw new TesseraError('FORBIDDEN', 'sign in first: passkeys belong to a signed-in user');
  const user = await store.users.get(session.userId);
  if (!user) throw new TesseraError('FORBIDDEN', 'the signed-in user no longer exists');
  return user;
}
