import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { tenantRepo } from './tenants.js';
import { apiKeyRepo } from './api-keys.js';
import { userRepo } from './users.js';
import { sessionRepo } from './sessions.js';
import { refreshTokenRepo } from './refresh-tokens.js';
import { conversationRepo } from './conversations.js';
import { messageRepo } from './messages.js';
import { usageRepo } from './usage.js';
import { partnerRepo } from './partners.js';
import { usedTokenIdRepo } from './used-token-ids.js';
import { auditLogRepo } from './audit-log.js';
import { pendingTurnRepo } from './pending-turns.js';
import { agentSecretRepo } from './agent-secrets.js';
import { signInFlowRepo } from './sign-in-flows.js';
import { identityRepo } from './identities.js';
import { emailCodeRepo } from './email-codes.js';
import { passkeyRepo, webauthnChallengeRepo } from './passkeys.js';
import { passwordResetRepo } from './password-resets.js';

/** Every repository over one connection or transaction: the same queries on both dialects. */
export function repositories(db: Kysely<Database>) {
  return {
    tenants: tenantRepo(db),
    apiKeys: apiKeyRepo(db),
    users: userRepo(db),
    sessions: sessionRepo(db),
    refreshTokens: refreshTokenRepo(db),
    conversations: conversationRepo(db),
    messages: messageRepo(db),
    usage: usageRepo(db),
    partners: partnerRepo(db),
    usedTokenIds: usedTokenIdRepo(db),
    auditLog: auditLogRepo(db),
    pendingTurns: pendingTurnRepo(db),
    agentSecrets: agentSecretRepo(db),
    signInFlows: signInFlowRepo(db),
    identities: identityRepo(db),
    emailCodes: emailCodeRepo(db),
    passkeys: passkeyRepo(db),
    webauthnChallenges: webauthnChallengeRepo(db),
    passwordResets: passwordResetRepo(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;
