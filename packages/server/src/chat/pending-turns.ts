import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { hasEnded, type Sessions } from '../sessions/index.js';
import { PENDING_TURN_TTL_MS, type Store } from '../store/index.js';
import type { Tenants } from '../tenancy/index.js';
import type { ChatTurns } from './chat-turn.js';

export interface PendingTurnDeps {
  clock: Clock;
  store: Store;
  tenants: Tenants;
  sessions: Sessions;
  chat: ChatTurns;
  logger: Logger;
}

/**
 * Runs a turn the agent answered with `auth_required` again, once, when its session signs in
 * (linked or re-authenticated, by any route, on any node). Every node hears of the sign-in;
 * taking the pending turn is one statement, so exactly one of them runs it. A sign-in older
 * than the agent's `maxAgeSeconds` leaves the turn waiting for a fresher one.
 */
export class PendingTurns {
  constructor(private readonly deps: PendingTurnDeps) {}

  async resume(sessionId: string): Promise<boolean> {
    const { store, clock } = this.deps;
    const pending = await store.pendingTurns.get(sessionId);
    if (!pending) return false;
    const now = clock.now();
    if (now - pending.createdAt > PENDING_TURN_TTL_MS) {
      await store.pendingTurns.take(sessionId);
      return false;
    }
    const session = await store.sessions.get(sessionId);
    if (!session || hasEnded(session, now) || session.userId === null || session.authTime === null) return false;
    if (pending.maxAgeSeconds !== null && now - session.authTime > pending.maxAgeSeconds * 1000) return false;
    const taken = await store.pendingTurns.take(sessionId);
    if (!taken || taken.messageId !== pending.messageId) return false;
    const message = await store.messages.get(taken.messageId);
    if (!message || message.sessionId !== sessionId) return false;
    const [tenant, user] = await Promise.all([this.deps.tenants.get(session.tenantId), this.deps.sessions.userOf(session)]);
    await this.deps.chat.answer({
      tenant,
      session,
      user,
      conversationId: taken.conversationId,
      message: { id: message.id, clientId: message.clientId, content: message.content, createdAt: message.createdAt },
    });
    return true;
  }

  /** Resumes without waiting; a failure is logged, never thrown into the bus. */
  resumeLater(sessionId: string): void {
    this.resume(sessionId).catch((error: unknown) => this.deps.logger.error({ err: error, sessionId }, 'resuming a pending turn failed'));
  }
}
