import { randomInt } from 'node:crypto';
import type { RateLimits } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import { emailCodeMail, type Mailer, signupCodeMail } from '../mail/index.js';
import { hmac, safeEqual } from '../secrets.js';
import type { EmailCodePurpose, Session, Store, Tenant } from '../store/index.js';
import { type Audit, signupAllowed, type Tenants, type Users } from '../tenancy/index.js';
import { normalizeEmail } from './email-address.js';
import { MAIL_SENDS_PER_ADDRESS, MAIL_SENDS_PER_IP, throttle } from './throttle.js';
import { accountOfAddress, assertCanMail } from './mail-accounts.js';
import type { Proof } from './proof.js';

export const EMAIL_CODE_TTL_MS = 10 * 60_000;
/** Tries one code gets, however many guesses race: then it is dead. */
export const MAX_CODE_TRIES = 5;
const TRIES_PER_IP = { points: 30, durationSeconds: 60 };

export interface EmailCodesDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  users: Users;
  mail: Mailer;
  rateLimits: RateLimits;
  audit: Audit;
  /** 32 bytes from the data directory: codes are kept as an HMAC under it (six digits alone would not survive a leaked table). */
  serverSecret: Buffer;
}

/**
 * Sign-in by a six-digit code mailed to the address. Every address gets the same answer:
 * a code is mailed to a known address, and to an unknown one when the tenant allows sign-up
 * (the account is made when the code is used); otherwise nothing is sent.
 */
export class EmailCodes {
  constructor(private readonly deps: EmailCodesDeps) {}

  /**
   * `signup`: a code that proves a new account's address and keeps the password chosen at sign-up
   * (sign-up sends it; a resend asks for it); for any other address it is an ordinary sign-in code.
   */
  async send(tenant: Tenant, rawEmail: string, ip: string, purpose: EmailCodePurpose = 'sign_in'): Promise<void> {
    const { store, clock, mail } = this.deps;
    const email = normalizeEmail(rawEmail);
    assertCanMail(mail);
    await throttle(this.deps.rateLimits, 'email-code-ip', ip, MAIL_SENDS_PER_IP);
    await throttle(this.deps.rateLimits, 'email-code-address', `${tenant.id}:${email}`, MAIL_SENDS_PER_ADDRESS);
    const user = await store.users.findByEmail(tenant.id, email);
    if (!user && !signupAllowed(tenant.settings)) return;
    // A sign-up code (which keeps the password chosen at sign-up) goes only to an account still waiting for one.
    if (purpose === 'signup' && (!user || user.emailVerifiedAt !== null || user.passwordHash === null)) purpose = 'sign_in';
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = clock.now();
    await store.emailCodes.replace({
      id: newId('otp'),
      tenantId: tenant.id,
      email,
      purpose,
      codeHash: this.hash(tenant.id, email, code),
      tries: 0,
      details: null,
      createdAt: now,
      expiresAt: now + EMAIL_CODE_TTL_MS,
      usedAt: null,
    });
    const render = purpose === 'signup' ? signupCodeMail : emailCodeMail;
    await mail.send(render({ tenantId: tenant.id, tenantName: tenant.name, to: email, code, minutes: EMAIL_CODE_TTL_MS / 60_000 }));
  }

  /**
   * The account of `email`, proven by its code. A try is counted before the code is compared;
   * a wrong, used, expired or exhausted code, or a code of another address, is CODE_INVALID.
   */
  async prove(session: Session, rawEmail: string, code: string, ip: string): Promise<Proof> {
    const { store, clock } = this.deps;
    const email = normalizeEmail(rawEmail);
    await throttle(this.deps.rateLimits, 'email-code-try-ip', ip, TRIES_PER_IP);
    const invalid = new TesseraError('CODE_INVALID', 'wrong or expired code');
    if (!/^\d{6}$/.test(code)) throw invalid;
    const now = clock.now();
    // The address may hold a sign-in code and a sign-up code: a guess is a try at each.
    for (const purpose of ['sign_in', 'signup'] as const) {
      const counted = await store.emailCodes.countTry(session.tenantId, email, purpose, now, MAX_CODE_TRIES);
      if (!counted || !safeEqual(this.hash(session.tenantId, email, code), counted.codeHash)) continue;
      if (!(await store.emailCodes.use(counted.id, now))) continue;
      const user = await accountOfAddress(this.deps, session.tenantId, email, { confirmsSignup: purpose === 'signup' });
      if (!user) throw invalid;
      return { user, amr: ['otp'] };
    }
    throw invalid;
  }

  private hash(tenantId: string, email: string, code: string): string {
    return hmac(this.deps.serverSecret, `${tenantId}:${email}:${code}`);
  }
}
