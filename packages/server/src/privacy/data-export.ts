import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { describeMessage, type Sessions } from '../sessions/index.js';
import type { Store } from '../store/index.js';
import { describeIdentity } from '../tenancy/index.js';

/** Everything held about a user (GDPR access): profile, linked anonymous ids, sessions, conversations, messages. */
export async function exportUser(deps: { store: Store; clock: Clock; sessions: Sessions }, tenantId: string, externalId: string) {
  const { store } = deps;
  const user = await store.users.findByExternalId(tenantId, externalId);
  if (!user) throw new TesseraError('NOT_FOUND', 'no such user');
  const anonymousIds = await store.usage.anonymousIdsOfUser(user.id);
  const sessions = await store.sessions.listByUser(user.id);
  const conversations = await store.conversations.listByUserOrSessions(user.id, []);
  const messages = await store.messages.listByConversations(conversations.map((c) => c.id));
  const identities = await store.identities.listByUser(user.id);
  return {
    exportedAt: deps.clock.now(),
    user: {
      id: user.externalId,
      internalId: user.id,
      name: user.name,
      avatar: user.avatar,
      email: user.email,
      custom: user.custom,
      hasPassword: user.passwordHash !== null,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    },
    identities: identities.map(describeIdentity),
    passkeys: (await store.passkeys.listByUser(user.id)).map(({ id, name, createdAt, lastUsedAt }) => ({
      id,
      name,
      createdAt,
      lastUsedAt,
    })),
    anonymousIds,
    sessions: sessions.map((session) => ({
      ...deps.sessions.describe(session, user),
      revokedAt: session.revokedAt,
      lastSeenAt: session.lastSeenAt,
    })),
    conversations: conversations.map((conversation) => ({
      id: conversation.id,
      createdAt: conversation.createdAt,
      updatedAt: conversation.updatedAt,
      messages: messages.filter((m) => m.conversationId === conversation.id).map(describeMessage),
    })),
  };
}
