import type { ConversationInfo, ServerFrame, SessionInfo, UserInfo } from '@tessera/protocol';
import type { StateChange } from './connection.js';
import type { TesseraError } from './errors.js';

export type AssistantMessage = Extract<ServerFrame, { type: 'message' }>;

export interface AuthenticatedEvent {
  user: UserInfo;
  session?: SessionInfo;
  previousConversations: ConversationInfo[];
}

/** What a chat client tells its listeners. */
export interface ChatClientEvents {
  state: StateChange;
  /** A message from the assistant. */
  message: AssistantMessage;
  /** The server's greeting: a new anonymous session (`isNew`), or the session the socket joined. */
  session: { session: SessionInfo; isNew: boolean };
  authenticated: AuthenticatedEvent;
  error: TesseraError;
}
