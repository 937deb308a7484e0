import type { ServerFrame } from '@tessera/protocol';
import type { ChatClientEvents } from './chat-events.js';
import type { Emitter } from './emitter.js';
import { TesseraError } from './errors.js';
import type { Outbox } from './outbox.js';
import type { PendingRequests } from './pending-requests.js';
import type { ReplyStreams } from './reply-streams.js';
import type { TokenManager } from './token-manager.js';

export interface FrameRouterOptions {
  tokens: TokenManager;
  outbox: Outbox;
  requests: PendingRequests;
  events: Emitter<ChatClientEvents>;
  /** Replies streaming in: their text so far. */
  streams: ReplyStreams;
  /** The server handed this socket a new access token (a new session, a sign-in). */
  tokenAccepted(accessToken: string): void;
}

/**
 * Routes a server frame to whoever waits for it: the outbox (acks), a pending request
 * (replies, errors), the token manager (issued pairs) or the client's listeners. A reply's
 * deltas are gathered (`delta` events carry the text so far) until its final `message`; an
 * error frame naming a `replyTo` is that reply's failure (`reply_failed`), never a send's.
 * Returns a promise when the socket may count as greeted only once it settles.
 */
export type FrameRouter = (frame: ServerFrame) => Promise<void> | undefined;

export function createFrameRouter(options: FrameRouterOptions): FrameRouter {
  const { tokens, outbox, requests, events, streams } = options;
  return (frame) => {
    switch (frame.type) {
      case 'session': {
        // A new anonymous session: connected once its tokens are stored (other tabs may look for them).
        options.tokenAccepted(frame.accessToken);
        const stored = tokens.setTokens(
          { accessToken: frame.accessToken, refreshToken: frame.refreshToken, expiresAt: frame.expiresAt },
          'server',
        );
        streams.clear(); // a new session: nothing of an earlier one is still streaming to us
        events.emit('session', { session: frame.session, isNew: true });
        return stored;
      }
      case 'ready':
        events.emit('session', { session: frame.session, isNew: false });
        return;
      case 'ack':
        outbox.ack(frame);
        return;
      case 'delta': {
        const { replyTo, conversationId, content } = frame;
        events.emit('delta', { replyTo, conversationId, content, text: streams.append(replyTo, content) });
        return;
      }
      case 'message':
        streams.end(frame.replyTo);
        events.emit('message', frame);
        return;
      case 'auth_required': {
        const { type: _, ...required } = frame;
        events.emit('auth_required', required);
        return;
      }
      case 'authenticated': {
        options.tokenAccepted(frame.accessToken);
        void tokens.setTokens({ accessToken: frame.accessToken, refreshToken: frame.refreshToken, expiresAt: frame.expiresAt }, 'server');
        requests.resolve(frame);
        const { user, session, previousConversations } = frame;
        events.emit('authenticated', { user, session, previousConversations });
        return;
      }
      case 'flow_completed':
        events.emit('flow_completed', { flowId: frame.flowId });
        return;
      case 'flow_failed':
        events.emit('flow_failed', { flowId: frame.flowId, error: new TesseraError(frame.code, frame.message) });
        return;
      case 'error': {
        const error = new TesseraError(frame.code, frame.message, { retryAfterMs: frame.retryAfterMs });
        if (frame.replyTo) {
          // The message was stored and acknowledged; its reply failed (the agent, not the send).
          streams.end(frame.replyTo);
          events.emit('reply_failed', { replyTo: frame.replyTo, ...(frame.id && { id: frame.id }), error });
          return;
        }
        const claimed = frame.id ? requests.reject(frame.id, error) || outbox.fail(frame.id, error) : requests.rejectOldest(error);
        if (!claimed) events.emit('error', error);
        return;
      }
      default:
        requests.resolve(frame);
    }
  };
}
