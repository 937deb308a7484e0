import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { Store, User } from '../store/index.js';
import { signupAllowed, type Tenants, type Users } from '../tenancy/index.js';

export interface MailAccountsDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  users: Users;
}

/**
 * The account of an address its owner just proved by reading mail (a code, a link): found,
 * its email now verified and an `email` identity recorded, or, when the tenant allows sign-up,
 * made. Null when there is none and sign-up is off. `confirmsSignup`: the proof is the code that
 * sign-up mailed, so the password chosen there is the owner's.
 */
export async function accountOfAddress(
  deps: MailAccountsDeps,
  tenantId: string,
  email: string,
  options: { confirmsSignup?: boolean } = {},
): Promise<User | null> {
  const { store, users, clock } = deps;
  const existing = await store.users.findByEmail(tenantId, email);
  if (!existing) {
    const tenant = await deps.tenants.get(tenantId);
    return signupAllowed(tenant.settings) ? users.createWithEmail(tenantId, email) : null;
  }
  const now = clock.now();
  if (!existing.emailVerifiedAt) {
    // A password set before the address was ever proven is trusted only if this proof is that sign-up's
    // own code: otherwise anyone could have set it, to wait inside the owner's future account.
    const untrusted = existing.passwordHash !== null && !options.confirmsSignup;
    await store.transaction(async (tx) => {
      await tx.users.verifyEmail(existing.id, email, now);
      if (!untrusted) return;
      await tx.users.clearPassword(existing.id, now);
      for (const identity of await tx.identities.listByUser(existing.id))
        if (identity.kind === 'password') await tx.identities.delete(identity.id);
    });
    if (untrusted) existing.passwordHash = null;
  }
  const identities = await store.identities.listByUser(existing.id);
  if (!identities.some((identity) => identity.kind === 'email')) await users.addIdentity(existing, { kind: 'email', email });
  return { ...existing, emailVerifiedAt: existing.emailVerifiedAt ?? now };
}

/** Mail sign-ins need a way to send it: UNAVAILABLE otherwise, before anything is stored. */
export function assertCanMail(mail: { available: boolean }): void {
  if (!mail.available) throw new TesseraError('UNAVAILABLE', 'this server cannot send mail (no SMTP configured)');
}
