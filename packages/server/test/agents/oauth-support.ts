import type { Agent, AgentEvent, AgentTurn } from '../../src/agents/index.js';
import { chat, type TestServer, type TestSocket } from '../support/test-server.js';

export const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** An in-process agent that answers "ok" and keeps every turn it was given (with its tool token). */
export class CapturingAgent implements Agent {
  readonly turns: AgentTurn[] = [];

  async *reply(turn: AgentTurn): AsyncIterable<AgentEvent> {
    this.turns.push(turn);
    yield { type: 'delta', content: 'ok' };
  }

  /** The turn of a stored user message. */
  turnOf(messageId: string): AgentTurn {
    const turn = this.turns.find((candidate) => candidate.message.id === messageId);
    if (!turn) throw new Error(`no turn for ${messageId}`);
    return turn;
  }
}

let counter = 0;

/** Sends a message on a socket and returns the tool token its turn carried. */
export async function toolTokenOf(
  agent: CapturingAgent,
  socket: TestSocket,
): Promise<{ token: string; turn: AgentTurn; conversationId: string }> {
  const id = `m-${++counter}`;
  const { ack, reply } = await chat(socket, id, 'please use a tool');
  if (reply.content !== 'ok') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  const turn = agent.turnOf(ack.messageId);
  return { token: turn.toolToken, turn, conversationId: turn.conversation.id };
}

export interface FormResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** A form-encoded POST with a secret key, as a customer backend sends it (no Origin). */
export async function postForm(
  server: TestServer,
  path: string,
  fields: Record<string, string | string[]>,
  key = server.secretKey,
): Promise<FormResponse> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
  }
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

export function exchange(server: TestServer, fields: Record<string, string | string[]>, key?: string): Promise<FormResponse> {
  return postForm(server, '/v1/oauth/token', { grant_type: EXCHANGE_GRANT, ...fields }, key);
}

export function introspect(server: TestServer, token: string, key?: string): Promise<FormResponse> {
  return postForm(server, '/v1/oauth/introspect', { token }, key);
}

/** A new secret key of the server's tenant with exactly `scopes`. */
export async function secretKeyWith(server: TestServer, scopes: string[]): Promise<string> {
  const { plaintext } = await server.app.services.apiKeys.create({
    tenantId: server.tenantId,
    name: scopes.join('+'),
    kind: 'secret',
    scopes,
  });
  return plaintext;
}

/** A second tenant on the same server, with an admin secret key. */
export async function otherTenant(server: TestServer): Promise<{ tenantId: string; secretKey: string }> {
  const tenant = await server.app.services.tenants.create(`other-${++counter}`, ['http://localhost:3000']);
  const { plaintext } = await server.app.services.apiKeys.create({ tenantId: tenant.id, name: 'admin', kind: 'secret', scopes: ['admin'] });
  return { tenantId: tenant.id, secretKey: plaintext };
}
