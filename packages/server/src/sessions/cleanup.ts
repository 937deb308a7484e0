import type { Clock } from '../clock.js';
import { PENDING_TURN_TTL_MS, type Store } from '../store/index.js';

const BATCH_SIZE = 500;
/** Revoked sessions are kept this long so a late refresh still gets SESSION_REVOKED, not INVALID_TOKEN. */
const REVOKED_KEEP_MS = 24 * 3600 * 1000;
const EXPIRED_FLOW_KEEP_MS = 3600 * 1000;

export interface CleanupReport {
  sessions: number;
  refreshTokens: number;
  conversations: number;
  messages: number;
}

/**
 * Deletes expired sessions and their refresh tokens; an anonymous session's
 * conversations go with it (nobody can reach them again), a user's stay with the
 * user. Messages older than a tenant's retention are deleted too. Works in small
 * transactions and yields between them, so the server keeps serving meanwhile.
 */
export async function cleanupExpired(store: Store, clock: Clock, tenantIds: string[]): Promise<CleanupReport> {
  const report: CleanupReport = { sessions: 0, refreshTokens: 0, conversations: 0, messages: 0 };
  for (;;) {
    const now = clock.now();
    const expired = await store.sessions.listExpired(now, now - REVOKED_KEEP_MS, BATCH_SIZE);
    if (expired.length === 0) break;
    const ids = expired.map((session) => session.id);
    const anonymous = expired.filter((session) => session.userId === null).map((session) => session.id);
    await store.transaction(async (tx) => {
      // By conversation (indexed): an anonymous session's messages are all in its own conversations.
      const conversations = await tx.conversations.listByUserOrSessions(null, anonymous);
      report.messages += await tx.messages.deleteByConversations(conversations.map((conversation) => conversation.id));
      report.conversations += await tx.conversations.deleteBySessions(anonymous);
      report.refreshTokens += await tx.refreshTokens.deleteBySessions(ids);
      await tx.pendingTurns.deleteSessions(ids);
      await tx.signInFlows.deleteSessions(ids);
      await tx.webauthnChallenges.deleteSessions(ids);
      report.sessions += await tx.sessions.deleteMany(ids);
    });
    await yieldToEventLoop();
  }
  // A pending turn outlives its question only so long; retired agent signing secrets are dead weight.
  await store.pendingTurns.deleteOlderThan(clock.now() - PENDING_TURN_TTL_MS);
  await store.agentSecrets.deleteRetired(clock.now());
  // An expired flow is kept an hour, so a late callback still finds the chat's origin to tell.
  await store.signInFlows.deleteExpired(clock.now() - EXPIRED_FLOW_KEEP_MS);
  await store.emailCodes.deleteExpired(clock.now());
  await store.passwordResets.deleteExpired(clock.now());
  await store.webauthnChallenges.deleteExpired(clock.now());
  for (const tenantId of tenantIds) {
    const tenant = await store.tenants.get(tenantId);
    const days = tenant?.settings.retention?.messageDays;
    if (!days) continue;
    const before = clock.now() - days * 86_400_000;
    for (;;) {
      const deleted = await store.messages.deleteOlderThan(tenantId, before, BATCH_SIZE);
      report.messages += deleted;
      if (deleted < BATCH_SIZE) break;
      await yieldToEventLoop();
    }
  }
  return report;
}

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));
