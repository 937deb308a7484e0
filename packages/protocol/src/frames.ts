import type { ErrorCode } from './errors.js';
import type { AuthRequirement, ConversationInfo, MessageInfo, SessionInfo, UserInfo } from './models.js';

/**
 * Frames a client sends. `id` is the client's own id for the frame: a message's client
 * id, or (optional) a request id the reply and any error frame echo back.
 */
export type ClientFrame =
  | { type: 'message'; id: string; content: string; conversationId?: string }
  | { type: 'authenticate'; method: 'jwt'; token: string; id?: string }
  | { type: 'authenticate'; method: 'password'; email: string; password: string; id?: string }
  /** Redeems a completed sign-in flow that this chat started (`POST /v1/auth/flows`). */
  | { type: 'authenticate'; method: 'flow'; flowId: string; flowSecret: string; id?: string }
  /** A six-digit code mailed to `email` (`POST /v1/auth/email-code`). */
  | { type: 'authenticate'; method: 'email_code'; email: string; code: string; id?: string }
  /** A WebAuthn assertion (`AuthenticationResponseJSON`) for this session's challenge. */
  | { type: 'authenticate'; method: 'passkey'; response: unknown; id?: string }
  | { type: 'refresh'; token: string; id?: string }
  | { type: 'resume'; conversationId: string; id?: string }
  | { type: 'history'; before?: string; limit?: number; id?: string }
  | { type: 'logout' }
  | { type: 'ping' }
  /** Aborts the agent's reply to the stored user message `id` (the ack's `messageId`). */
  | { type: 'stop'; id: string };

/** Frames the server sends. */
export type ServerFrame =
  | { type: 'session'; accessToken: string; refreshToken: string; expiresAt: number; session: SessionInfo }
  | { type: 'ready'; session: SessionInfo; expiresAt: number }
  | { type: 'ack'; id: string; messageId: string; conversationId: string; duplicate?: boolean }
  /** Part of the agent's reply to `replyTo`, in order, before the final `message`. */
  | { type: 'delta'; replyTo: string; content: string; conversationId: string }
  /** The whole reply, the only one stored; `stopped` when a `stop` frame cut it short. */
  | { type: 'message'; id: string; role: 'assistant'; content: string; replyTo: string; conversationId: string; stopped?: true }
  /** The agent needs a signed-in person: once the session is linked or re-authenticated, the turn runs again. */
  | ({ type: 'auth_required'; replyTo: string; conversationId: string } & AuthRequirement)
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
  /** A sign-in flow of this session was completed out of band: redeem it with its `flowSecret`. */
  | { type: 'flow_completed'; flowId: string }
  /** A sign-in flow of this session ended without a sign-in (e.g. `FLOW_DENIED`, `CONFLICT`). */
  | { type: 'flow_failed'; flowId: string; code: ErrorCode; message: string }
  | { type: 'resumed'; conversation: ConversationInfo; messages: MessageInfo[]; id?: string }
  | { type: 'history'; messages: MessageInfo[]; id?: string }
  | { type: 'pong' }
  | { type: 'error'; code: ErrorCode; message: string; id?: string; retryAfterMs?: number; replyTo?: string };

export type ClientFrameType = ClientFrame['type'];
export type ServerFrameType = ServerFrame['type'];
