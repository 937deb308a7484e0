import type { AccessClaims } from '@tessera/protocol';
import type { Clock } from '../clock.js';
import { isTesseraError } from '../errors.js';
import { hasEnded, type Sessions } from '../sessions/index.js';
import type { Session, Store } from '../store/index.js';
import type { ToolClaims, ToolTokens } from '../tokens/index.js';

/** A token of ours that is still good: genuine, unexpired, of the tenant asked about, its session live and at its `ver`. */
export type LiveToken = { kind: 'access'; claims: AccessClaims; session: Session } | { kind: 'tool'; claims: ToolClaims; session: Session };

export interface LiveTokensDeps {
  sessions: Sessions;
  toolTokens: ToolTokens;
  store: Store;
  clock: Clock;
}

/** What a refused token comes down to: not ours, expired, or its session ended or moved on. */
const REFUSALS = new Set(['INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED']);

/**
 * Finds out whether an access token or a tool token is live for a tenant, for token
 * exchange and introspection. Each kind is verified as itself only (its own `typ`): an
 * access token never passes as a tool token, nor the reverse. Anything that fails is
 * null, whatever the reason; a failure of the store is thrown, never taken for "inactive".
 */
export class LiveTokens {
  constructor(private readonly deps: LiveTokensDeps) {}

  async access(token: string, tenantId: string): Promise<LiveToken | null> {
    try {
      // Signature, `typ`, audience (the tenant), expiry, then the session: live and at the token's `ver`.
      const { claims, session } = await this.deps.sessions.verify(token, tenantId);
      return { kind: 'access', claims, session };
    } catch (error) {
      return refused(error);
    }
  }

  async tool(token: string, tenantId: string): Promise<LiveToken | null> {
    let claims: ToolClaims;
    try {
      claims = await this.deps.toolTokens.verify(token, this.deps.clock.now());
    } catch (error) {
      return refused(error);
    }
    // From the store, not a cache: revoked, logged out, expired, linked away (ver bumped) or erased (gone).
    const session = await this.deps.store.sessions.get(claims.sid);
    if (!session || session.tenantId !== tenantId) return null;
    if (hasEnded(session, this.deps.clock.now()) || session.ver !== claims.ver) return null;
    return { kind: 'tool', claims, session };
  }

  /** Either kind: whichever the token is. */
  async any(token: string, tenantId: string): Promise<LiveToken | null> {
    return (await this.access(token, tenantId)) ?? (await this.tool(token, tenantId));
  }
}

function refused(error: unknown): null {
  if (isTesseraError(error) && REFUSALS.has(error.code)) return null;
  throw error;
}
