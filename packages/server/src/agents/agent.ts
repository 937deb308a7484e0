import type { AuthRequirement, MessageInfo } from '@tessera/protocol';
import type { Tenant } from '../store/index.js';

/**
 * Who the agent acts for, built only from the verified session: never from message
 * text. Tools read identity from here (or from the tool token) and nowhere else.
 */
export interface IdentityContext {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly anonymousId: string;
  /** The customer's own user id, or null for an anonymous visitor. */
  readonly userId: string | null;
  readonly name: string | null;
  readonly custom: Readonly<Record<string, unknown>>;
  /** Epoch seconds of the last sign-in, null while anonymous. */
  readonly authTime: number | null;
  /** How the person signed in (RFC 8176), empty while anonymous. */
  readonly amr: readonly string[];
}

/** One turn as the agent sees it. */
export interface AgentTurn {
  /** Stable across retries of this turn: the `webhook-id` of an HTTP agent's request. */
  turnId: string;
  message: { id: string; content: string; createdAt: number };
  conversation: { id: string; history(): Promise<MessageInfo[]> };
  identity: IdentityContext;
  /**
   * A short-lived token the agent's tools verify against our JWKS (see tokens/tool-tokens.ts);
   * signed when first read, so an agent that calls no tools costs no signature.
   */
  readonly toolToken: string;
  readonly toolTokenExpiresAt: number;
}

/** What an agent yields while it answers, in order. */
export type AgentEvent =
  | { type: 'delta'; content: string }
  | ({ type: 'auth_required' } & Omit<AuthRequirement, 'methods'> & { methods?: string[] })
  /** The agent failed: the turn ends with `code`, the user message stays stored. */
  | { type: 'error'; code: 'AGENT_UNAVAILABLE' | 'AGENT_TIMEOUT'; message: string };

export interface Agent {
  /**
   * True when every turn reads the conversation's history (an HTTP agent sends it in its request):
   * it is then read while the user message is being stored, not after.
   */
  readonly readsHistory?: boolean;
  /**
   * Streams the reply to one user message. Ends when the reply is complete; `signal` aborts
   * it (a `stop` frame), and the agent must then stop promptly. Failures are yielded as an
   * `error` event; anything thrown is taken as `AGENT_UNAVAILABLE`.
   */
  reply(turn: AgentTurn, signal: AbortSignal): AsyncIterable<AgentEvent>;
}

/** Which agent answers a tenant: its HTTP backend when it configured one, else the demo agent. */
export interface AgentDirectory {
  agentFor(tenant: Tenant): Agent;
}
