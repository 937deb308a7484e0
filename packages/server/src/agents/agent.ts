import type { MessageInfo } from '@tessera/protocol';

/**
 * Who the agent acts for, built only from the verified session: never from message
 * text. Tools read identity from here and nowhere else.
 */
export interface IdentityContext {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly anonymousId: string;
  /** The customer's own user id, or null for an anonymous visitor. */
  readonly userId: string | null;
  readonly name: string | null;
  readonly custom: Readonly<Record<string, unknown>>;
}

export interface AgentInput {
  message: { id: string; content: string };
  conversation: { id: string; history(): Promise<MessageInfo[]> };
  identity: IdentityContext;
}

export interface Agent {
  /** The assistant's reply to one user message. */
  reply(input: AgentInput): Promise<string>;
}
