import type { ServerFrame } from '@tessera/protocol';
import type { Agent, AgentEvent, AgentTurn } from '../agents/index.js';
import { isTesseraError } from '../errors.js';
import type { RunningTurn } from './running-turns.js';

type AuthRequest = Extract<AgentEvent, { type: 'auth_required' }>;

/** How an agent call ended. */
export type ReplyOutcome =
  | { kind: 'replied'; text: string; stopped: boolean; authRequired: AuthRequest | null }
  | { kind: 'failed'; code: 'AGENT_UNAVAILABLE' | 'AGENT_TIMEOUT'; message: string };

/**
 * Calls the agent and relays its reply as it streams: deltas go out as they come, through
 * `sendDelta` (those of one event-loop turn, one network read's worth, as one frame; those still
 * unsent when the reply ends go in the final message alone), and the text is gathered for the one
 * stored message. A stop ends the call with what was streamed; a reply
 * longer than `maxReplyChars`, an error event, an exception or the turn's timeout end it as a failure.
 */
export async function relayReply(
  agent: Agent,
  turn: AgentTurn,
  running: RunningTurn,
  maxReplyChars: number,
  sendDelta: (frame: Extract<ServerFrame, { type: 'delta' }>) => void,
): Promise<ReplyOutcome> {
  let text = '';
  let authRequired: AuthRequest | null = null;
  let unsent = '';
  let flushing: NodeJS.Immediate | null = null;
  const flush = () => {
    flushing = null;
    if (unsent.length === 0) return;
    sendDelta({ type: 'delta', replyTo: turn.message.id, content: unsent, conversationId: turn.conversation.id });
    unsent = '';
  };
  try {
    return await relay();
  } finally {
    // What is still unsent when the call ends is not sent: the final message (or the error) follows at once.
    if (flushing) clearImmediate(flushing);
  }

  async function relay(): Promise<ReplyOutcome> {
    try {
      for await (const event of agent.reply(turn, running.signal)) {
        if (running.signal.aborted) break;
        if (event.type === 'error') return { kind: 'failed', code: event.code, message: event.message };
        if (event.type === 'auth_required') {
          authRequired = event;
          continue;
        }
        if (event.content.length === 0) continue;
        if (text.length + event.content.length > maxReplyChars) {
          running.abort();
          return { kind: 'failed', code: 'AGENT_UNAVAILABLE', message: `the agent's reply is longer than ${maxReplyChars} characters` };
        }
        text += event.content;
        unsent += event.content;
        flushing ??= setImmediate(flush);
      }
    } catch (error) {
      if (!running.signal.aborted || running.timedOut) return failureOf(error, running);
    }
    if (running.timedOut) return failureOf(null, running);
    return { kind: 'replied', text, stopped: running.stopped, authRequired: running.stopped ? null : authRequired };
  }
}

function failureOf(error: unknown, running: RunningTurn): ReplyOutcome {
  if (running.timedOut) return { kind: 'failed', code: 'AGENT_TIMEOUT', message: 'the agent did not finish its reply in time' };
  if (isTesseraError(error) && (error.code === 'AGENT_TIMEOUT' || error.code === 'AGENT_UNAVAILABLE')) {
    return { kind: 'failed', code: error.code, message: error.message };
  }
  return { kind: 'failed', code: 'AGENT_UNAVAILABLE', message: 'the agent failed' };
}
