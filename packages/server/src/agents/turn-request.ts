import { Webhook } from 'standardwebhooks';
import type { AgentTurn } from './agent.js';

/** The body Tessera POSTs to an agent backend for one turn (see the Agents section of the API). */
export interface TurnPayload {
  type: 'turn';
  tenantId: string;
  conversationId: string;
  message: { id: string; content: string; createdAt: number };
  history: Array<{ id: string; role: 'user' | 'assistant'; content: string; createdAt: number }>;
  identity: {
    sessionId: string;
    anonymousId: string;
    userId: string | null;
    name: string | null;
    custom: Readonly<Record<string, unknown>>;
    authTime: number | null;
    amr: readonly string[];
  };
  toolToken: string;
  toolTokenExpiresAt: number;
}

/** The turn as its JSON body: identity from the verified session only, history most recent first. */
export async function turnPayload(turn: AgentTurn): Promise<TurnPayload> {
  const { identity } = turn;
  const history = await turn.conversation.history();
  return {
    type: 'turn',
    tenantId: identity.tenantId,
    conversationId: turn.conversation.id,
    message: { id: turn.message.id, content: turn.message.content, createdAt: turn.message.createdAt },
    history: history.map(({ id, role, content, createdAt }) => ({ id, role, content, createdAt })),
    identity: {
      sessionId: identity.sessionId,
      anonymousId: identity.anonymousId,
      userId: identity.userId,
      name: identity.name,
      custom: identity.custom,
      authTime: identity.authTime,
      amr: identity.amr,
    },
    toolToken: turn.toolToken,
    toolTokenExpiresAt: turn.toolTokenExpiresAt,
  };
}

/**
 * Standard Webhooks v1 headers for one attempt: `webhook-id` (the turn's, the same on a retry),
 * `webhook-timestamp` (epoch seconds, fresh per attempt) and `webhook-signature`, one `v1,...`
 * per live secret, space-separated, so an agent holding either secret of a rotation verifies it.
 */
export function webhookHeaders(id: string, nowMs: number, body: string, secrets: readonly string[]): Record<string, string> {
  const timestamp = new Date(nowMs);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(nowMs / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' '),
  };
}
