import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { Sessions } from '../sessions/index.js';
import type { Conversation, Session, Store } from '../store/index.js';
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
  deleted: { users: number; sessions: number; conversations: number; messages: number; anonymousIds: number };
}

/**
 * GDPR erasure of a user: their sessions, conversations and messages, and every
 * anonymous id linked to them with those ids' sessions. Sockets end at once.
 */
export async function eraseUser(deps: ErasureDeps, tenantId: string, externalId: string, by?: Auditor): Promise<ErasureReceipt> {
  const { store } = deps;
  const user = await store.users.findByExternalId(tenantId, externalId);
  if (!user) throw new TesseraError('NOT_FOUND', 'no such user');
  const anonymousIds = await store.usage.anonymousIdsOfUser(user.id);
  const sessions = await sessionsOf(store, user.id, anonymousIds);
  const conversations = await store.conversations.listByUserOrSessions(
    user.id,
    sessions.map((s) => s.id),
  );
  const deleted = await deleteAll(store, sessions, conversations, [user.id, ...anonymousIds]);
  const users = await store.users.delete(user.id);
  await deps.sessions.forgetErased(sessions.map((s) => s.id));
  const receipt: ErasureReceipt = {
    subject: { kind: 'user', id: externalId },
    erasedAt: deps.clock.now(),
    deleted: { ...deleted, users, anonymousIds: anonymousIds.length },
  };
  await deps.audit.by(by, { tenantId, action: 'user.erased', target: externalId, details: receipt.deleted });
  return receipt;
}

/**
 * Erasure of an anonymous visitor: the sessions under that id that never signed in,
 * with their conversations and messages, and the id's links. Sessions that were
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
  const deleted = await deleteAll(store, sessions, conversations, [anonymousId]);
  await deps.sessions.forgetErased(sessions.map((s) => s.id));
  const receipt: ErasureReceipt = {
    subject: { kind: 'anonymous', id: anonymousId },
    erasedAt: deps.clock.now(),
    deleted: { ...deleted, users: 0, anonymousIds: 1 },
  };
  await deps.audit.by(by, { tenantId, action: 'anonymous.erased', target: anonymousId, details: receipt.deleted });
  return receipt;
}

async function sessionsOf(store: Store, userId: string, anonymousIds: string[]): Promise<Session[]> {
  const byId = new Map<string, Session>();
  for (const session of await store.sessions.listByUser(userId)) byId.set(session.id, session);
  for (const anonymousId of anonymousIds) {
    for (const session of await store.sessions.listByAnonymousId(anonymousId)) byId.set(session.id, session);
  }
  return [...byId.values()];
}

async function deleteAll(store: Store, sessions: Session[], conversations: Conversation[], subjectIds: string[]) {
  const sessionIds = sessions.map((s) => s.id);
  const conversationIds = conversations.map((c) => c.id);
  return store.transaction(async (tx) => {
    const messages = await tx.messages.deleteByConversations(conversationIds);
    const deletedConversations = await tx.conversations.deleteByIds(conversationIds);
    await tx.refreshTokens.deleteBySessions(sessionIds);
    const deletedSessions = await tx.sessions.deleteMany(sessionIds);
    await tx.usage.deleteSubjects(subjectIds);
    return { sessions: deletedSessions, conversations: deletedConversations, messages };
  });
}
