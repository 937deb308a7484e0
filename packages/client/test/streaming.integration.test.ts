import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentEvent, AgentTurn } from '../../server/src/agents/agent.js';
import { DemoAgent } from '../../server/src/agents/demo-agent.js';
import type { AssistantMessage, AuthRequiredEvent, DeltaEvent, ReplyFailedEvent } from '../src/chat-events.js';
import type { ChatClient } from '../src/chat-client.js';
import type { TesseraError } from '../src/errors.js';
import { api, browserLike, eventually, identityToken, startTestServer, type TestServer, pageClient } from './support/real-server.js';

// Streamed replies, stop, the sign-in an agent asks for, and agent failures, against the real
// server (packages/server) with its demo agent. Messages with "(slow)" get a long reply, a word
// every 20 ms, so a stop lands mid-stream; "(fail)" streams a little, then the agent fails.
const IDENTITY_SECRET = 'customer-app-identity-secret-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

class TestAgent implements Agent {
  private readonly demo = new DemoAgent();
  async *reply(turn: AgentTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    if (turn.message.content.includes('(slow)')) {
      for (let i = 0; i < 200 && !signal.aborted; i++) {
        yield { type: 'delta', content: `w${i} ` };
        await pause(20, signal);
      }
      return;
    }
    if (turn.message.content.includes('(words)')) {
      for (const word of turn.message.content.split(' ')) {
        yield { type: 'delta', content: `${word} ` };
        await pause(3, signal);
      }
      return;
    }
    if (turn.message.content.includes('(fail)')) {
      yield { type: 'delta', content: 'Half an answer ' };
      await pause(10, signal);
      yield { type: 'error', code: 'AGENT_UNAVAILABLE', message: 'the agent failed' };
      return;
    }
    yield* this.demo.reply(turn, signal);
  }
}

/** A client on the allowed origin, and everything it tells its listeners. */
function watched(target: TestServer) {
  const page = browserLike();
  const chat = pageClient(target, page);
  const seen = {
    deltas: [] as DeltaEvent[],
    messages: [] as AssistantMessage[],
    authRequired: [] as AuthRequiredEvent[],
    failed: [] as ReplyFailedEvent[],
    errors: [] as TesseraError[],
  };
  chat.on('delta', (event) => seen.deltas.push(event));
  chat.on('message', (message) => seen.messages.push(message));
  chat.on('auth_required', (event) => seen.authRequired.push(event));
  chat.on('reply_failed', (event) => seen.failed.push(event));
  chat.on('error', (error) => seen.errors.push(error));
  return { chat, seen, wire: page.wire };
}

/** The final reply to `replyTo` matching `pattern`, once it came. */
async function finalReply(seen: ReturnType<typeof watched>['seen'], replyTo: string, pattern: RegExp = /[\s\S]/) {
  await eventually(() => seen.messages.some((m) => m.replyTo === replyTo && pattern.test(m.content)));
  return seen.messages.find((m) => m.replyTo === replyTo && pattern.test(m.content))!;
}

describe('streamed replies against the real server', () => {
  let target: TestServer;
  const clients: ChatClient[] = [];
  const client = () => {
    const made = watched(target);
    clients.push(made.chat);
    return made;
  };

  beforeAll(async () => {
    target = await startTestServer({
      agent: new TestAgent(),
      settings: { identity: { verification: { secret: IDENTITY_SECRET }, nameClaim: 'name' } } as never,
    });
    const signup = await api(target, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': target.publishableKey },
      body: { email: 'ada@example.com', password: PASSWORD, name: 'Ada' },
    });
    expect(signup.status).toBe(201);
  });
  afterAll(async () => {
    for (const chat of clients) chat.disconnect();
    await target?.stop({ removeData: true });
  });

  it('deltas arrive in order, each with the text so far, and add up to the final message', async () => {
    const { chat, seen } = client();
    await chat.connect();
    const ack = await chat.send('hello there, streaming world, one word at a time (words)');
    const final = await finalReply(seen, ack.messageId);
    const deltas = seen.deltas.filter((d) => d.replyTo === ack.messageId);
    expect(deltas.length).toBeGreaterThan(5);
    let text = '';
    for (const delta of deltas) {
      text += delta.content;
      expect(delta.text).toBe(text);
      expect(delta.conversationId).toBe(ack.conversationId);
    }
    expect(final).toMatchObject({ role: 'assistant', content: text, conversationId: ack.conversationId });
    expect(final.content).toBe('hello there, streaming world, one word at a time (words) ');
    expect(final.stopped).toBeUndefined();
    expect(chat.streamingReplies()).toEqual([]);
    expect(seen.errors).toEqual([]);
  });

  it('stop(messageId) ends the reply early: the final message is what was streamed, stopped, and stored so', async () => {
    const { chat, seen, wire } = client();
    await chat.connect();
    const ack = await chat.send('tell me everything (slow)');
    await eventually(() => seen.deltas.filter((d) => d.replyTo === ack.messageId).length >= 3);
    expect(chat.streamingReplies()).toEqual([{ replyTo: ack.messageId, text: expect.stringMatching(/^w0 w1 w2 /) }]);
    expect(chat.stop(ack.messageId)).toBe(true);
    expect(wire.sent.at(-1)).toEqual({ type: 'stop', id: ack.messageId });

    const final = await finalReply(seen, ack.messageId);
    expect(final.stopped).toBe(true);
    expect(final.content).toBe(
      seen.deltas
        .filter((d) => d.replyTo === ack.messageId)
        .map((d) => d.content)
        .join(''),
    );
    expect(final.content).not.toContain('w199');
    const stored = (await chat.history()).find((m) => m.replyTo === ack.messageId);
    expect(stored).toMatchObject({ id: final.id, content: final.content, stopped: true });
    expect(seen.errors).toEqual([]);
  });

  it('asks an anonymous visitor to sign in for orders; after a password sign-in the reply streams in, nothing resent', async () => {
    const { chat, seen, wire } = client();
    await chat.connect();
    const ack = await chat.send('show my orders');
    await eventually(() => seen.authRequired.length > 0);
    expect(seen.authRequired).toEqual([
      { replyTo: ack.messageId, conversationId: ack.conversationId, reason: 'Sign in to see your orders.', methods: ['password', 'jwt'] },
    ]);
    expect((await finalReply(seen, ack.messageId)).content).toBe('Please log in to see your orders.');
    const before = seen.deltas.length;

    const { user } = await chat.authenticate({ email: 'ada@example.com', password: PASSWORD });
    expect(user).toMatchObject({ name: 'Ada' });
    const rerun = await finalReply(seen, ack.messageId, /^Your orders, Ada:/);
    const rerunDeltas = seen.deltas.slice(before).filter((d) => d.replyTo === ack.messageId);
    // The demo agent's first word streams on its own; the rest may come with the final message.
    expect(rerunDeltas.length).toBeGreaterThanOrEqual(1);
    expect(rerunDeltas[0]!.text).toBe(rerunDeltas[0]!.content); // a new stream, not glued to the first answer
    expect(rerun.content.startsWith(rerunDeltas.at(-1)!.text)).toBe(true);
    expect(wire.sent.filter((frame) => frame.type === 'message')).toHaveLength(1); // no retyping
    expect(seen.errors).toEqual([]);
  });

  it('the same after signing in with an identity token from the main app', async () => {
    const { chat, seen, wire } = client();
    await chat.connect();
    const ack = await chat.send('where are my orders?');
    await eventually(() => seen.authRequired.some((event) => event.replyTo === ack.messageId));
    await chat.linkFromMainApp(identityToken(IDENTITY_SECRET, { sub: 'grace', name: 'Grace' }));
    const rerun = await finalReply(seen, ack.messageId, /^Your orders, Grace:/);
    expect(rerun.conversationId).toBe(ack.conversationId);
    expect(chat.state).toBe('connected');
    expect(wire.sent.filter((frame) => frame.type === 'message')).toHaveLength(1);
    expect(seen.errors).toEqual([]);
  });

  it('an agent failure is that reply failing (reply_failed), not the send, and its streamed text is dropped', async () => {
    const { chat, seen } = client();
    await chat.connect();
    const ack = await chat.send('this one breaks (fail)');
    await eventually(() => seen.failed.length > 0);
    expect(seen.failed[0]).toMatchObject({ replyTo: ack.messageId, id: ack.id });
    expect(seen.failed[0]!.error.code).toBe('AGENT_UNAVAILABLE');
    expect(seen.deltas.filter((d) => d.replyTo === ack.messageId).map((d) => d.text)).toEqual(['Half an answer ']);
    expect(chat.streamingReplies()).toEqual([]);
    expect(seen.messages.filter((m) => m.replyTo === ack.messageId)).toEqual([]);
    expect(seen.errors).toEqual([]);
    // the user message stays stored; the chat goes on
    expect((await chat.history()).map((m) => m.content)).toContain('this one breaks (fail)');
    const next = await chat.send('still there?');
    expect((await finalReply(seen, next.messageId)).content).toMatch(/still there/);
  });
});
