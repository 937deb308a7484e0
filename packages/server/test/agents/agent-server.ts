import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { api, startTestServer, type TestServer, type TestSocket } from '../support/test-server.js';

/** One request the agent backend received. */
export interface ReceivedTurn {
  headers: IncomingHttpHeaders;
  body: string;
  payload: any;
  /** Which of the agent's known secrets verified the request (Standard Webhooks, against the wall clock). */
  verifiedWith: string[];
  /** Resolves when the connection of this request closed before the agent finished its answer. */
  cutOff: Promise<void>;
}

export type AgentHandler = (turn: ReceivedTurn, response: ServerResponse, request: IncomingMessage) => void | Promise<void>;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real agent backend on 127.0.0.1 for tests: it verifies each request with `standardwebhooks`,
 * keeps what it received, and answers with whatever `handler` a test sets.
 */
export class TestAgentServer {
  readonly turns: ReceivedTurn[] = [];
  /** The signing secrets the agent knows (as shown by Tessera). */
  secrets: string[] = [];
  handler: AgentHandler = (_turn, response) => json(response, { reply: 'ok' });

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TestAgentServer> {
    let agent: TestAgentServer | undefined;
    const server = createServer((request, response) => void agent!.receive(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    agent = new TestAgentServer(server, `http://127.0.0.1:${port}/turns`);
    return agent;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let cutOff!: () => void;
    const turn: ReceivedTurn = {
      headers: request.headers,
      body,
      payload: JSON.parse(body),
      verifiedWith: this.secrets.filter((secret) => verifies(secret, body, request.headers)),
      cutOff: new Promise((resolve) => (cutOff = resolve)),
    };
    response.on('close', () => {
      if (!response.writableFinished) cutOff();
    });
    this.turns.push(turn);
    try {
      await this.handler(turn, response, request);
    } catch {
      response.destroy();
    }
  }
}

export function verifies(secret: string, body: string, headers: IncomingHttpHeaders | Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

export function json(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Starts an event stream (headers sent at once). */
export function startStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
}

export function sendEvent(response: ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Resolves when the response is closed (by either side) or after `ms`. */
export function hold(response: ServerResponse, ms = 30_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const FAST_TIMEOUTS = {
  connectTimeoutMs: 1_000,
  firstByteTimeoutMs: 400,
  idleTimeoutMs: 400,
  timeoutMs: 5_000,
  maxReplyChars: 32_000,
};

export function patchSettings(server: TestServer, body: unknown) {
  return api(server, 'PATCH', '/v1/settings', { headers: { authorization: `Bearer ${server.secretKey}` }, body, origin: null });
}

/** Sends a message and waits for its ack and then the agent's error frame for it: the user message stays stored, no reply is. */
export async function expectAgentError(socket: TestSocket, id: string, code: string) {
  socket.send({ type: 'message', id, content: `message ${id}` });
  const ack = await socket.next((frame) => frame.type === 'ack' && frame.id === id);
  const error = await socket.next((frame) => frame.type === 'error' && frame.replyTo === ack.messageId, 10_000);
  expect(error).toMatchObject({ type: 'error', code, id, replyTo: ack.messageId });
  socket.send({ type: 'history' });
  const { messages } = await socket.nextOfType('history');
  expect(messages.find((message: any) => message.id === ack.messageId)).toMatchObject({ role: 'user', clientId: id });
  expect(messages.filter((message: any) => message.replyTo === ack.messageId)).toEqual([]);
  return { ack, error };
}

/**
 * A Tessera and an agent backend for a describe block: the agent configured through
 * `PATCH /v1/settings` (short timeouts), its signing secret known to the agent, and, before
 * each test, the settings reset and the agent answering JSON `{reply: "fine, thanks"}`.
 */
export function withAgent() {
  const context = {} as { server: TestServer; agent: TestAgentServer; signingSecret: string };
  beforeAll(async () => {
    context.agent = await TestAgentServer.start();
    context.server = await startTestServer();
    const response = await patchSettings(context.server, { agent: { url: context.agent.url, ...FAST_TIMEOUTS } });
    expect(response.status).toBe(200);
    context.signingSecret = response.body.agent.signingSecret;
    expect(context.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    context.agent.secrets = [context.signingSecret];
  });
  afterAll(async () => {
    await context.server.stop({ removeData: true });
    await context.agent.stop();
  });
  beforeEach(async () => {
    context.agent.handler = (_turn, response) => json(response, { reply: 'fine, thanks' });
    await patchSettings(context.server, { agent: { url: context.agent.url, ...FAST_TIMEOUTS } });
  });
  return context;
}
