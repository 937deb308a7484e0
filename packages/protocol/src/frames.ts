import type { ErrorCode } from './errors.js';
import type { ConversationInfo, MessageInfo, SessionInfo, UserInfo } from './models.js';

/**
 * Frames a client sends. `id` is the client's own id for the frame: a message's client
 * id, or (optional) a request id the reply and any error frame echo back.
 */
export type ClientFrame =
  | { type: 'message'; id: string; content: string; conversationId?: string }
  | { type: 'authenticate'; method: 'jwt'; token: string; id?: string }
  | { type: 'authenticate'; method: 'password'; email: string; password: string; id?: string }
  | { type: 'refresh'; token: string; id?: string }
  | { type: 'resume'; conversationId: string; id?: string }
  | { type: 'history'; before?: string; limit?: number; id?: string }
  | { type: 'logout' }
  | { type: 'ping' };

/** Frames the server sends. */
export type ServerFrame =
  | { type: 'session'; accessToken: string; refreshToken: string; expiresAt: number; session: SessionInfo }
  | { type: 'ready'; session: SessionInfo; expiresAt: number }
  | { type: 'ack'; id: string; messageId: string; conversationId: string; duplicate?: boolean }
  | { type: 'message'; id: string; role: 'assistant'; content: string; replyTo: string; conversationId: string }
  | {
      type: 'authenticated';
      accessToken: string;
      refreshToken: string;
      expiresAt: number;
      user: UserInfo;
      session: SessionInfo;
      previousConversations: ConversationInfo[];
      id?: string;
    }
  | { type: 'refreshed'; expiresAt: number; id?: string }
  | { type: 'resumed'; conversation: ConversationInfo; messages: MessageInfo[]; id?: string }
  | { type: 'history'; messages: MessageInfo[]; id?: string }
  | { type: 'pong' }
  | { type: 'error'; code: ErrorCode; message: string; id?: string; retryAfterMs?: number };

export type ClientFrameType = ClientFrame['type'];
export type ServerFrameType = ServerFrame['type'];
