import type { IdentityInfo } from '@tessera/protocol';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { Identity, Store, User } from '../store/index.js';

/** The ways a user signs in: listed, and removed down to the last one (never that). */
export class UserIdentities {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  list(user: User): Promise<Identity[]> {
    return this.store.identities.listByUser(user.id);
  }

  /** Removes one of the user's identities; CONFLICT when it is their last way to sign in. */
  async remove(user: User, identityId: string): Promise<Identity> {
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      // Updating the user row first holds it: two removals of one user's identities run one after the other.
      if (!(await tx.users.touch(user.id, now))) throw new TesseraError('NOT_FOUND', 'no such user');
      const identities = await tx.identities.listByUser(user.id);
      const target = identities.find((identity) => identity.id === identityId);
      if (!target) throw new TesseraError('NOT_FOUND', 'no such identity');
      if (identities.length <= 1) throw new TesseraError('CONFLICT', "this is the user's last way to sign in");
      await tx.identities.delete(target.id);
      // The credential goes with its identity: a password, a passkey.
      if (target.kind === 'password') await tx.users.clearPassword(user.id, now);
      if (target.kind === 'passkey' && target.subject !== null) {
        const passkey = await tx.passkeys.findByCredential(user.tenantId, target.subject);
        if (passkey?.userId === user.id) await tx.passkeys.delete(passkey.id);
      }
      return target;
    });
  }
}

export function describeIdentity(identity: Identity): IdentityInfo {
  return {
    id: identity.id,
    kind: identity.kind,
    ...(identity.provider !== null ? { provider: identity.provider } : {}),
    ...(identity.subject !== null ? { subject: identity.subject } : {}),
    ...(identity.email !== null ? { email: identity.email } : {}),
    createdAt: identity.createdAt,
  };
}
