import type { AccessClaims, ConversationInfo, MessageInfo, SessionInfo } from '@tessera/protocol';
import type { ConversationSummary, Message, Session, Tenant, User } from '../store/index.js';

/** How a session, its conversations and their messages are shown to clients (frames, HTTP answers, exports). */
export function describeSession(session: Session, user: User | null = null): SessionInfo {
  return {
    id: session.id,
    tenantId: session.tenantId,
    anonymousId: session.anonymousId,
    auth: session.userId ? 'user' : 'anonymous',
    userId: user?.externalId ?? null,
    ver: session.ver,
    createdAt: session.createdAt,
    expiresAt: Math.min(session.idleExpiresAt, session.absoluteExpiresAt),
  };
}

/**
 * How and when the session's person signed in, as tokens carry it (`auth_time` in epoch seconds,
 * `amr`): for a signed-in session only, null while anonymous.
 */
export function signInClaimsOf(session: Session, user: User | null): { auth_time: number; amr: string[] } | null {
  return user && session.authTime !== null ? { auth_time: Math.floor(session.authTime / 1000), amr: session.amr } : null;
}

/** The claims of an access token for `session`, signed in as `user` or anonymous. */
export function accessClaimsOf(tenant: Tenant, session: Session, user: User | null): Omit<AccessClaims, 'iss' | 'iat' | 'exp' | 'jti'> {
  return {
    aud: tenant.id,
    sub: user ? user.id : session.anonymousId,
    sid: session.id,
    anon: session.anonymousId,
    auth: user ? 'user' : 'anonymous',
    ver: session.ver,
    ...(user ? { uid: user.externalId, custom: user.custom } : {}),
    ...(user?.name ? { name: user.name } : {}),
    ...(user?.avatar ? { picture: user.avatar } : {}),
    ...signInClaimsOf(session, user),
  };
}

export function describeConversation(conversation: ConversationSummary): ConversationInfo {
  return {
    id: conversation.id,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    preview: conversation.preview,
    messageCount: conversation.messageCount,
  };
}

export function describeMessage(message: Message): MessageInfo {
  return {
    id: message.id,
    conversationId: message.conversationId,
    role: message.role,
    content: message.content,
    clientId: message.clientId,
    replyTo: message.replyTo,
    createdAt: message.createdAt,
    ...(message.stopped ? { stopped: true } : {}),
    ...(message.replyError ? { replyError: message.replyError } : {}),
  };
}
