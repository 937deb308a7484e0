import type { AuthMethod, UserInfo } from '@tessera/protocol';
import type { RateLimits } from '../bus/index.js';
import { isTesseraError, TesseraError } from '../errors.js';
import { accountExistsMail, type Mailer } from '../mail/index.js';
import type { IssuedTokens, Sessions } from '../sessions/index.js';
import type { ConversationSummary, Session, Store, Tenant, User } from '../store/index.js';
import type { Audit, Tenants, Users } from '../tenancy/index.js';
import type { ExternalTokenVerifier } from '../tokens/index.js';
import { normalizeEmail } from './email-address.js';
import { throttle } from './throttle.js';
import { verifyIdentityToken } from './identity-tokens.js';
import { checkPasswordPolicy, type PasswordHasher } from './passwords.js';
import type { ReplayGuard } from './replay-guard.js';
import type { EmailCodes } from './email-codes.js';
import type { Passkeys } from './passkeys.js';
import type { Proof } from './proof.js';
import type { SignInFlows } from './sign-in-flows.js';

export type Credentials =
  | { method: 'jwt'; token: string }
  | { method: 'password'; email: string; password: string }
  /** A sign-in flow this session started and that completed out of band. */
  | { method: 'flow'; flowId: string; flowSecret: string }
  /** A code mailed to `email` (`POST /v1/auth/email-code`). */
  | { method: 'email_code'; email: string; code: string }
  /** A WebAuthn assertion (`AuthenticationResponseJSON`) for this session's challenge. */
  | { method: 'passkey'; response: unknown };

export interface SignInContext {
  ip: string;
  /** The socket that signed in in-band: it stays open, every other socket of the session gets 4002. */
  socketId?: string;
}

export type SignInResult = IssuedTokens & { user: User; previousConversations: ConversationSummary[] };

export interface SignInDeps {
  store: Store;
  sessions: Sessions;
  tenants: Tenants;
  users: Users;
  passwords: PasswordHasher;
  externalTokens: ExternalTokenVerifier;
  /** Identity tokens with a `jti` are accepted once. */
  replayGuard: ReplayGuard;
  rateLimits: RateLimits;
  audit: Audit;
  flows: SignInFlows;
  emailCodes: EmailCodes;
  passkeys: Passkeys;
  mail: Mailer;
}

const LOGIN_ATTEMPTS_PER_IP = { points: 30, durationSeconds: 60 };
const LOGIN_ATTEMPTS_PER_ACCOUNT = { points: 10, durationSeconds: 15 * 60 };

/**
 * Every way a visitor signs in mid-conversation ends in `Sessions.link`: the identity
 * token route, hosted password accounts, and (from http/) the backend routes.
 */
export class SignIn {
  constructor(private readonly deps: SignInDeps) {}

  async signIn(session: Session, credentials: Credentials, context: SignInContext): Promise<SignInResult> {
    const { user, amr } = await this.prove(session, credentials, context.ip);
    const linked = await this.deps.sessions.link(session.id, user, { keepSocketId: context.socketId, amr });
    await this.deps.audit.record({
      tenantId: session.tenantId,
      actor: session.id,
      action: linked.reauthenticated ? 'session.reauthenticated' : 'session.linked',
      target: session.id,
      details: { method: credentials.method, userId: user.externalId, inBand: context.socketId !== undefined },
    });
    return { ...linked, user };
  }

  /**
   * Creates a hosted password account and mails it a code that verifies the address. An address
   * that already has an account is answered alike: the same work (a password hash), the same
   * answer (the account as a new one would look), and a mail to the address saying someone
   * tried. Only the address's owner learns it exists.
   */
  async signUp(tenant: Tenant, input: { email: string; password: string; name?: string }, ip: string): Promise<UserInfo> {
    const email = normalizeEmail(input.email);
    checkPasswordPolicy(input.password);
    await throttle(this.deps.rateLimits, 'signup-ip', ip, LOGIN_ATTEMPTS_PER_IP, 'sign-in attempts');
    const passwordHash = await this.deps.passwords.hash(input.password);
    const answer: UserInfo = { id: email, name: input.name ?? null, avatar: null, custom: {} };
    if (await this.deps.store.users.findByEmail(tenant.id, email)) {
      if (this.deps.mail.available)
        await this.deps.mail.send(accountExistsMail({ tenantId: tenant.id, tenantName: tenant.name, to: email }));
      return answer;
    }
    try {
      await this.deps.users.createWithPassword(tenant.id, { email, passwordHash, name: input.name ?? null });
    } catch (error) {
      // Made at the same moment by another request: alike, too.
      if (!isTesseraError(error) || error.code !== 'CONFLICT') throw error;
      return answer;
    }
    // A code to prove the address (signing in with it verifies it); without mail, it stays unverified.
    if (this.deps.mail.available) await this.deps.emailCodes.send(tenant, email, ip, 'signup').catch(ignoreRateLimited);
    return answer;
  }

  /** Who the credentials prove, and how (RFC 8176 `amr`). */
  private async prove(session: Session, credentials: Credentials, ip: string): Promise<Proof> {
    switch (credentials.method) {
      case 'jwt':
        return { user: await this.userFromIdentityToken(session, credentials.token), amr: ['jwt'] };
      case 'password':
        return { user: await this.userFromPassword(session, credentials, ip), amr: ['pwd'] };
      case 'flow': {
        const { user, amr } = await this.deps.flows.redeem(session, credentials.flowId, credentials.flowSecret);
        return { user, amr: amr as AuthMethod[] };
      }
      case 'email_code':
        return this.deps.emailCodes.prove(session, credentials.email, credentials.code, ip);
      case 'passkey':
        return this.deps.passkeys.prove(session, credentials.response);
    }
  }

  private async userFromIdentityToken(session: Session, token: string): Promise<User> {
    const tenant = await this.deps.tenants.get(session.tenantId);
    const identity = await verifyIdentityToken(this.deps.externalTokens, this.deps.replayGuard, tenant, token);
    return this.deps.users.upsert(tenant.id, identity.userId, identity.name !== null ? { name: identity.name } : {});
  }

  /** Unknown account and wrong password: the same answer after the same work. */
  private async userFromPassword(session: Session, credentials: { email: string; password: string }, ip: string): Promise<User> {
    const email = normalizeEmail(credentials.email);
    await throttle(this.deps.rateLimits, 'login-ip', ip, LOGIN_ATTEMPTS_PER_IP, 'sign-in attempts');
    await throttle(this.deps.rateLimits, 'login-account', `${session.tenantId}:${email}`, LOGIN_ATTEMPTS_PER_ACCOUNT, 'sign-in attempts');
    const user = await this.deps.store.users.findByEmail(session.tenantId, email);
    const valid = await this.deps.passwords.verify(user?.passwordHash ?? null, credentials.password);
    if (!user || !valid) throw new TesseraError('INVALID_CREDENTIALS', 'wrong email or password');
    // Where mail can prove an address, a password is good only on an account whose address was proven.
    if (this.deps.mail.available && !user.emailVerifiedAt)
      throw new TesseraError('FORBIDDEN', 'confirm your email address first, with the code we mailed you');
    return user;
  }
}

function ignoreRateLimited(error: unknown): void {
  if (!isTesseraError(error) || error.code !== 'RATE_LIMITED') throw error;
}
