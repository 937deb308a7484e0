import { createHmac } from 'node:crypto';
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

/** Signing keys by secret: decoding one costs more than the HMAC it keys. */
const signingKeys = new Map<string, Buffer>();

/**
 * A Standard Webhooks v1 signature, `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the
 * secret's bytes (the base64 after `whsec_`): what the `standardwebhooks` package computes (the
 * tests verify ours with its verifier), with node:crypto's HMAC in place of its pure-JS SHA-256.
 */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  let key = signingKeys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(secret, key);
  }
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

const SECRET_PREFIX = 'whsec_';
const MAX_SIGNING_KEYS = 10_000;

/**
 * Standard Webhooks v1 headers for one attempt: `webhook-id` (the turn's, the same on a retry),
 * `webhook-timestamp` (epoch seconds, fresh per attempt) and `webhook-signature`, one `v1,...`
 * per live secret, space-separated, so an agent holding either secret of a rotation verifies it.
 */
export function webhookHeaders(id: string, nowMs: number, body: string, secrets: readonly string[]): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => webhookSignature(secret, id, timestamp, body)).join(' '),
  };
}
