import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Bus, RateLimits } from './bus/index.js';
import type { Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import { createMailer, type Mailer } from './mail/index.js';
import type { Sessions } from './sessions/index.js';
import {
  EmailCodes,
  FlowOutcomes,
  MagicLinks,
  OAuthProviders,
  Passkeys,
  PasswordHasher,
  PasswordResets,
  ProviderAccounts,
  type ReplayGuard,
  SignIn,
  SignInFlows,
} from './sign-in/index.js';
import type { Store } from './store/index.js';
import { type Audit, type SecretBox, type Tenants, UserIdentities, type Users } from './tenancy/index.js';
import { type ExternalTokenVerifier, loadServerSecret } from './tokens/index.js';

/** Every way to a signed-in session, and the mail some of them need. */
export interface SignInServices {
  passwords: PasswordHasher;
  /** Identity tokens, hosted passwords and completed flows, over HTTP and in-band on a socket. */
  signIn: SignIn;
  /** Sign-ins that finish elsewhere (a provider's page): started by a chat, redeemed by it once. */
  signInFlows: SignInFlows;
  /** The tenants' OAuth/OpenID providers as clients. */
  oauthProviders: OAuthProviders;
  /** The ways each user signs in. */
  userIdentities: UserIdentities;
  /** Outgoing mail: SMTP, the demo mailbox, or none. */
  mail: Mailer;
  /** Six-digit codes mailed to an address. */
  emailCodes: EmailCodes;
  /** Passkeys (WebAuthn). */
  passkeys: Passkeys;
  /** Magic links: sign-in flows completed by confirming a mailed link. */
  magicLinks: MagicLinks;
  /** Hosted accounts' password reset by mailed token. */
  passwordResets: PasswordResets;
}

export interface SignInServicesDeps {
  config: ServerConfig;
  logger: Logger;
  store: Store;
  clock: Clock;
  bus: Bus;
  tenants: Tenants;
  users: Users;
  sessions: Sessions;
  audit: Audit;
  rateLimits: RateLimits;
  secretBox: SecretBox;
  externalTokens: ExternalTokenVerifier;
  replayGuard: ReplayGuard;
  /** Mail goes here instead (tests). */
  mailer?: Mailer;
}

/** Wires the sign-in floor of one node (see services.ts for the rest). */
export function createSignInServices(deps: SignInServicesDeps): SignInServices {
  const { config, logger, store, clock, bus, tenants, users, sessions, audit, rateLimits, secretBox, externalTokens, replayGuard } = deps;
  const passwords = new PasswordHasher();
  const mail =
    deps.mailer ??
    createMailer({
      smtpUrl: config.smtpUrl,
      mailFrom: config.mailFrom,
      mailboxDir: config.demo && !config.smtpUrl ? join(config.dataDir, 'mailbox') : null,
      logger,
    });
  const oauthProviders = new OAuthProviders(secretBox);
  const emailCodes = new EmailCodes({
    store,
    clock,
    tenants,
    users,
    mail,
    rateLimits,
    audit,
    serverSecret: loadServerSecret(config.dataDir, 'email-codes'),
  });
  const userIdentities = new UserIdentities(store, clock);
  const passkeys = new Passkeys({ store, clock, tenants, audit, identities: userIdentities });
  const flowOutcomes = new FlowOutcomes({ store, bus, audit });
  const signInFlows = new SignInFlows({
    store,
    clock,
    tenants,
    providers: oauthProviders,
    accounts: new ProviderAccounts({ store, users, audit }),
    rateLimits,
    outcomes: flowOutcomes,
    serverSecret: loadServerSecret(config.dataDir, 'sign-in-flows'),
  });
  const magicLinks = new MagicLinks({ store, clock, tenants, users, mail, rateLimits, outcomes: flowOutcomes });
  return {
    passwords,
    signIn: new SignIn({
      store,
      sessions,
      tenants,
      users,
      passwords,
      externalTokens,
      replayGuard,
      rateLimits,
      audit,
      flows: signInFlows,
      emailCodes,
      passkeys,
      mail,
    }),
    signInFlows,
    oauthProviders,
    userIdentities,
    mail,
    emailCodes,
    passkeys,
    magicLinks,
    passwordResets: new PasswordResets({ store, clock, users, mail, passwords, sessions, rateLimits, audit }),
  };
}
