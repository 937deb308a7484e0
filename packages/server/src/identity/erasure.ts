import type { Services } from '../services.js';
import { TesseraError } from '../errors.js';
import type { Conversation, Session } from '../store/index.js';

export interface ErasureReceipt {
  subject: { kind: 'user' | 'anonymous'; id: string };
  erasedAt: number;
  deleted: { users: number; sessions: number; conversations: number; messages: number; anonymousIds: number };
}

/**
 * GDPR erasure of a user: their sessions, conversations and messages, and every
 * anonymous id linked to them with those ids' sessions. Sockets end at once.
 */
export async function eraseUser(services: Services, tenantId: string, externalId: string): Promise<ErasureReceipt> {
  const { store } = services;
  const user = await store.users.findByExternalId(tenantId, externalId);
  if (!user) throw new TesseraError('NOT_FOUND', 'no such user');
  const anonymousIds = await store.usage.anonymousIdsOfUser(user.id);
  const sessions = await sessionsOf(services, user.id, anonymousIds);
  const conversations = await store.conversations.listByUserOrSessions(user.id, sessions.map((s) => s.id));
  const deleted = await deleteAll(services, sessions, conversations, [user.id, ...anonymousIds]);
  const users = await store.users.delete(user.id);
  await endSessions(services, sessions);
  return { subject: { kind: 'user', id: externalId }, erasedAt: services.clock.now(), deleted: { ...deleted, users, anonymousIds: anonymousIds.length } };
}

/**
 * Erasure of an anonymous visitor: the sessions under that id that never signed in,
 * with their conversations and messages, and the id's links. Sessions that were
 * linked belong to their user now; erase the user for those.
 */
export async function eraseAnonymous(services: Services, tenantId: string, anonymousId: string): Promise<ErasureReceipt> {
  const { store } = services;
  const sessions = (await store.sessions.listByAnonymousId(anonymousId)).filter((s) => s.tenantId === tenantId && s.userId === null);
  const conversations = (await store.conversations.listByUserOrSessions(null, sessions.map((s) => s.id))).filter((c) => c.userId === null);
  if (sessions.length === 0 && !(await hasLinks(services, anonymousId))) {
    throw new TesseraError('NOT_FOUND', 'no such anonymous id');
  }
  const deleted = await deleteAll(services, sessions, conversations, [anonymousId]);
  await endSessions(services, sessions);
  return { subject: { kind: 'anonymous', id: anonymousId }, erasedAt: services.clock.now(), deleted: { ...deleted, users: 0, anonymousIds: 1 } };
}

async function hasLinks(services: Services, anonymousId: string): Promise<boolean> {
  return (await services.store.usage.usersOfAnonymousId(anonymousId)).length > 0;
}

async function sessionsOf(services: Services, userId: string, anonymousIds: string[]): Promise<Session[]> {
  const byId = new Map<string, Session>();
  for (const session of await services.store.sessions.listByUser(userId)) byId.set(session.id, session);
  for (const anonymousId of anonymousIds) {
    for (const session of await services.store.sessions.listByAnonymousId(anonymousId)) byId.set(session.id, session);
  }
  return [...byId.values()];
}

async function deleteAll(services: Services, sessions: Session[], conversations: Conversation[], subjectIds: string[]) {
  const sessionIds = sessions.map((s) => s.id);
  const conversationIds = conversations.map((c) => c.id);
  return services.store.transaction(async (tx) => {
    const messages = await tx.messages.deleteByConversations(conversationIds);
    const deletedConversations = await tx.conversations.deleteByIds(conversationIds);
    await tx.refreshTokens.deleteBySessions(sessionIds);
    const deletedSessions = await tx.sessions.deleteMany(sessionIds);
    await tx.usage.deleteSubjects(subjectIds);
    return { sessions: deletedSessions, conversations: deletedConversations, messages };
  });
}

/** Erased sessions are gone: every node drops them from cache and closes their sockets. */
async function endSessions(services: Services, sessions: Session[]): Promise<void> {
  for (const session of sessions) {
    services.sessionCache.invalidate(session.id);
    await services.bus.publish({ type: 'session.changed', sessionId: session.id, reason: 'revoked' });
  }
}
