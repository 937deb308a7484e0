import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { Sessions } from '../sessions/index.js';
import type { Conversation, Session, Store, User } from '../store/index.js';
import type { Audit, Auditor } from '../tenancy/index.js';

export interface ErasureDeps {
  store: Store;
  clock: Clock;
  sessions: Sessions;
  audit: Audit;
}

export interface ErasureReceipt {
  subject: { kind: 'user' | 'anonymous'; id: string };
  erasedAt: number;
  deleted: { users: number; identities: number; sessions: number; conversations: number; messages: number; anonymousIds: number };
}

/**
 * GDPR erasure of a user: exactly what was theirs, in this tenant. Sockets end at once.
 * - every session signed in as the user, whatever its anonymous id, with its conversations;
 * - the still-anonymous sessions (and their conversations) of each anonymous id the user
 *   signed in from, in this tenant: that browser's, which the user showed to be theirs;
 * - the user's links to those ids, and the monthly actives of the user and of those ids;
 * - the user's identities (the ways they signed in), and the sign-in flows of the erased sessions.
 * Not erased: sessions of those anonymous ids signed in as another user (that user's), any
 * session of another tenant (a browser keeps one anonymous id for every tenant), and other
 * users' links to those ids.
 */
export async function eraseUser(deps: ErasureDeps, tenantId: string, externalId: string, by?: Auditor): Promise<ErasureReceipt> {
  const { store } = deps;
  const user = await store.users.findByExternalId(tenantId, externalId);
  if (!user) throw new TesseraError('NOT_FOUND', 'no such user');
  const anonymousIds = await store.usage.anonymousIdsOfUser(user.id);
  const sessions = await sessionsOf(store, user, anonymousIds);
  const sessionIds = new Set(sessions.map((s) => s.id));
  const conversations = (await store.conversations.listByUserOrSessions(user.id, [...sessionIds])).filter(
    (c) => c.userId === user.id || (c.userId === null && sessionIds.has(c.sessionId)),
  );
  const deleted = await deleteAll(store, tenantId, sessions, conversations, {
    userIds: [user.id],
    actives: [user.id, ...anonymousIds],
  });
  const { users, identities } = await store.transaction(async (tx) => {
    await tx.passkeys.deleteByUser(user.id);
    const identities = await tx.identities.deleteByUser(user.id);
    await tx.passwordResets.deleteByUser(user.id);
    if (user.email !== null) await tx.emailCodes.deleteByEmail(tenantId, user.email);
    return { identities, users: await tx.users.delete(user.id) };
  });
  await deps.sessions.forgetErased(sessions.map((s) => s.id));
  const receipt: ErasureReceipt = {
    subject: { kind: 'user', id: externalId },
    erasedAt: deps.clock.now(),
    deleted: { ...deleted, users, identities, anonymousIds: anonymousIds.length },
  };
  await deps.audit.by(by, { tenantId, action: 'user.erased', target: externalId, details: receipt.deleted });
  return receipt;
}

/**
 * Erasure of an anonymous visitor: the sessions under that id that never signed in,
 * with their conversations and messages, and the id's links, in this tenant. Sessions that were
 * linked belong to their user now; erase the user for those.
 */
export async function eraseAnonymous(deps: ErasureDeps, tenantId: string, anonymousId: string, by?: Auditor): Promise<ErasureReceipt> {
  const { store } = deps;
  const sessions = (await store.sessions.listByAnonymousId(anonymousId)).filter((s) => s.tenantId === tenantId && s.userId === null);
  const conversations = (
    await store.conversations.listByUserOrSessions(
      null,
      sessions.map((s) => s.id),
    )
  ).filter((c) => c.userId === null);
  if (sessions.length === 0 && (await store.usage.usersOfAnonymousId(anonymousId)).length === 0) {
    throw new TesseraError('NOT_FOUND', 'no such anonymous id');
  }
  const deleted = await deleteAll(store, tenantId, sessions, conversations, { anonymousIds: [anonymousId], actives: [anonymousId] });
  await deps.sessions.forgetErased(sessions.map((s) => s.id));
  const receipt: ErasureReceipt = {
    subject: { kind: 'anonymous', id: anonymousId },
    erasedAt: deps.clock.now(),
    deleted: { ...deleted, users: 0, identities: 0, anonymousIds: 1 },
  };
  await deps.audit.by(by, { tenantId, action: 'anonymous.erased', target: anonymousId, details: receipt.deleted });
  return receipt;
}

/** The user's own sessions, and the still-anonymous sessions of their anonymous ids in their tenant. */
async function sessionsOf(store: Store, user: User, anonymousIds: string[]): Promise<Session[]> {
  const byId = new Map<string, Session>();
  for (const session of await store.sessions.listByUser(user.id)) byId.set(session.id, session);
  for (const anonymousId of anonymousIds) {
    for (const session of await store.sessions.listByAnonymousId(anonymousId)) {
      if (session.tenantId === user.tenantId && session.userId === null) byId.set(session.id, session);
    }
  }
  return [...byId.values()];
}

async function deleteAll(
  store: Store,
  tenantId: string,
  sessions: Session[],
  conversations: Conversation[],
  subjects: { userIds?: string[]; anonymousIds?: string[]; actives: string[] },
) {
  const sessionIds = sessions.map((s) => s.id);
  const conversationIds = conversations.map((c) => c.id);
  // Actives this node has counted but not yet written would come back after the delete.
  await store.usageMeter.flush();
  return store.transaction(async (tx) => {
    const messages = await tx.messages.deleteByConversations(conversationIds);
    const deletedConversations = await tx.conversations.deleteByIds(conversationIds);
    await tx.refreshTokens.deleteBySessions(sessionIds);
    await tx.pendingTurns.deleteSessions(sessionIds);
    await tx.signInFlows.deleteSessions(sessionIds);
    await tx.webauthnChallenges.deleteSessions(sessionIds);
    const deletedSessions = await tx.sessions.deleteMany(sessionIds);
    await tx.usage.deleteSubjects(tenantId, subjects);
    return { sessions: deletedSessions, conversations: deletedConversations, messages };
  });
}
