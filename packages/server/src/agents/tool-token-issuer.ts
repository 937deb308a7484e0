import { signInClaimsOf } from '../sessions/index.js';
import type { Session, Tenant, User } from '../store/index.js';
import { agentSettingsOf } from '../tenancy/index.js';
import type { ToolTokens } from '../tokens/index.js';

/** Issues each turn's tool token from the verified session: the agent acts for this person and no other. */
export class ToolTokenIssuer {
  constructor(private readonly toolTokens: ToolTokens) {}

  issue(tenant: Tenant, session: Session, user: User | null, conversationId: string, nowMs: number) {
    const settings = agentSettingsOf(tenant);
    const { token, claims } = this.toolTokens.sign(
      {
        aud: settings.toolAudience,
        sub: user ? user.id : session.anonymousId,
        ...(user ? { uid: user.externalId } : {}),
        sid: session.id,
        ver: session.ver,
        cid: conversationId,
        scope: (user ? settings.scopes.user : settings.scopes.anonymous).join(' '),
        act: { sub: 'agent' },
        ...signInClaimsOf(session, user),
      },
      nowMs,
    );
    return { token, expiresAt: claims.exp * 1000 };
  }
}
