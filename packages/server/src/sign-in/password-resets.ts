import type { RateLimits } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newSecret } from '../ids.js';
import { type Mailer, passwordResetMail } from '../mail/index.js';
import { hashSecret } from '../secrets.js';
import type { Sessions } from '../sessions/index.js';
import type { Store, Tenant } from '../store/index.js';
import type { Audit, Users } from '../tenancy/index.js';
import { normalizeEmail } from './email-address.js';
import { throttle } from './throttle.js';
import { assertCanMail } from './mail-accounts.js';
import type { PasswordHasher } from './passwords.js';

export const PASSWORD_RESET_TTL_MS = 30 * 60_000;
const REQUESTS_PER_ADDRESS = { points: 3, durationSeconds: 15 * 60 };
const REQUESTS_PER_IP = { points: 20, durationSeconds: 10 * 60 };

export interface PasswordResetsDeps {
  store: Store;
  clock: Clock;
  users: Users;
  mail: Mailer;
  passwords: PasswordHasher;
  sessions: Sessions;
  rateLimits: RateLimits;
  audit: Audit;
}

/**
 * Password reset for hosted accounts, by a token mailed to the account's verified address:
 * the same answer for every address, the token used once within 30 minutes, and every session
 * of the account revoked when the password changes.
 */
export class PasswordResets {
  constructor(private readonly deps: PasswordResetsDeps) {}

  /** Mails a reset link when the address is a hosted account's verified email; otherwise nothing, alike. */
  async request(tenant: Tenant, rawEmail: string, context: { ip: string; publicUrl: string }): Promise<void> {
    const { store, clock, mail } = this.deps;
    const email = normalizeEmail(rawEmail);
    assertCanMail(mail);
    await throttle(this.deps.rateLimits, 'reset-ip', context.ip, REQUESTS_PER_IP);
    await throttle(this.deps.rateLimits, 'reset-address', `${tenant.id}:${email}`, REQUESTS_PER_ADDRESS);
    const user = await store.users.findByEmail(tenant.id, email);
    // A new account's address must be proven (a code or a link) before it can take over the password.
    if (!user || user.passwordHash === null || !user.emailVerifiedAt) return;
    const token = newSecret(43);
    const now = clock.now();
    await store.passwordResets.insert({
      tokenHash: hashSecret(token),
      tenantId: tenant.id,
      userId: user.id,
      createdAt: now,
      expiresAt: now + PASSWORD_RESET_TTL_MS,
      usedAt: null,
    });
    const url = `${context.publicUrl}/v1/auth/password-reset/${token}`;
    await mail.send(
      passwordResetMail({ tenantId: tenant.id, tenantName: tenant.name, to: email, url, minutes: PASSWORD_RESET_TTL_MS / 60_000 }),
    );
  }

  /** Sets the new password: FLOW_EXPIRED for a used or expired token; every session of the account ends. */
  async confirm(token: string, password: string): Promise<void> {
    const { store, clock, passwords, sessions } = this.deps;
    const passwordHash = await passwords.hash(password); // the policy first: a too-short password leaves the token usable
    const now = clock.now();
    const reset = token.length <= 128 ? await store.passwordResets.use(hashSecret(token), now) : null;
    if (!reset) throw new TesseraError('FLOW_EXPIRED', 'this reset link was already used or has expired');
    await store.transaction(async (tx) => {
      await tx.users.setPassword(reset.userId, passwordHash, now);
      await tx.passwordResets.deleteByUser(reset.userId);
    });
    const revoked = [];
    for (const session of await store.sessions.listByUser(reset.userId)) {
      if (session.revokedAt === null && (await sessions.revoke(session.id, 'password_reset'))) revoked.push(session.id);
    }
    await this.deps.audit.record({
      tenantId: reset.tenantId,
      actor: 'system',
      action: 'password.reset',
      target: reset.userId,
      details: { sessionsRevoked: revoked.length },
    });
  }
}
