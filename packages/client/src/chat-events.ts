import type { ConversationInfo, ServerFrame, SessionInfo, UserInfo } from '@tessera/protocol';
import type { StateChange } from './connection.js';
import type { TesseraError } from './errors.js';

/** The assistant's whole reply to `replyTo` (the stored user message); `stopped` when a `stop` cut it short. */
export type AssistantMessage = Extract<ServerFrame, { type: 'message' }>;

/** Part of a reply as it streams: `content` is the new part, `text` the reply so far. */
export interface DeltaEvent {
  replyTo: string;
  conversationId: string;
  content: string;
  text: string;
}

/**
 * The agent needs a signed-in person for the message `replyTo` (within `maxAgeSeconds`, when
 * given). Sign in by one of `methods` (`password`, `jwt`, ...): the server then answers that
 * message again, for the signed-in person, with no need to send it again.
 */
export type AuthRequiredEvent = Omit<Extract<ServerFrame, { type: 'auth_required' }>, 'type'>;

/**
 * The agent failed to answer `replyTo` (`AGENT_UNAVAILABLE`, `AGENT_TIMEOUT`): the user message
 * stays stored; any text streamed for it is void. `id` is the message's client id, when known.
 */
export interface ReplyFailedEvent {
  replyTo: string;
  id?: string;
  error: TesseraError;
}

/**
 * A sign-in flow of this session was completed elsewhere (the provider's page): the chat that
 * started it redeems it with its secret (`redeemSignInFlow`). Every socket of the session hears it.
 */
export interface FlowCompletedEvent {
  flowId: string;
}

/** A sign-in flow of this session ended without a sign-in: `FLOW_DENIED` (the person said no), `CONFLICT`, ... */
export interface FlowFailedEvent {
  flowId: string;
  error: TesseraError;
}

export interface AuthenticatedEvent {
  user: UserInfo;
  session?: SessionInfo;
  previousConversations: ConversationInfo[];
}

/** What a chat client tells its listeners. */
export interface ChatClientEvents {
  state: StateChange;
  /** A message from the assistant: a whole reply, after its deltas. */
  message: AssistantMessage;
  /** A reply streaming in, a part at a time. */
  delta: DeltaEvent;
  /** The agent asks for sign-in before it answers a message. */
  auth_required: AuthRequiredEvent;
  /** The agent could not answer a message. */
  reply_failed: ReplyFailedEvent;
  /** The server's greeting: a new anonymous session (`isNew`), or the session the socket joined. */
  session: { session: SessionInfo; isNew: boolean };
  authenticated: AuthenticatedEvent;
  /** A sign-in flow of this session was completed: redeem it (only the chat holding its secret can). */
  flow_completed: FlowCompletedEvent;
  /** A sign-in flow of this session failed; the session stays as it was. */
  flow_failed: FlowFailedEvent;
  error: TesseraError;
}
