import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { chat, connectAnonymous } from '../support/test-server.js';
import { hold, json, sendEvent, sleep, startStream, verifies, withAgent } from './agent-server.js';

describe('HTTP agent backends: the contract', () => {
  const context = withAgent();

  it('POSTs the turn signed per Standard Webhooks; a changed body or timestamp does not verify', async () => {
    const { socket, session } = await connectAnonymous(context.server);
    const first = await chat(socket, 'h-1', 'hello agent');
    expect(first.reply).toMatchObject({ role: 'assistant', content: 'fine, thanks', replyTo: first.ack.messageId });
    const { reply, ack } = await chat(socket, 'h-2', 'second');
    expect(reply.content).toBe('fine, thanks');

    const turn = context.agent.turns.at(-1)!;
    expect(turn.verifiedWith).toEqual([context.signingSecret]);
    expect(turn.headers).toMatchObject({
      'webhook-id': expect.stringMatching(/^turn_/),
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/=]+$/),
      accept: 'text/event-stream, application/json',
      'content-type': 'application/json',
    });
    expect(turn.payload).toEqual({
      type: 'turn',
      tenantId: context.server.tenantId,
      conversationId: ack.conversationId,
      message: { id: ack.messageId, content: 'second', createdAt: expect.any(Number) },
      history: [
        { id: first.reply.id, role: 'assistant', content: 'fine, thanks', createdAt: expect.any(Number) },
        { id: first.ack.messageId, role: 'user', content: 'hello agent', createdAt: expect.any(Number) },
      ],
      identity: {
        sessionId: session.session.id,
        anonymousId: session.session.anonymousId,
        userId: null,
        name: null,
        custom: {},
        authTime: null,
        amr: [],
      },
      toolToken: expect.stringMatching(/^eyJ/),
      toolTokenExpiresAt: expect.any(Number),
    });

    const headers = turn.headers as Record<string, string>;
    expect(verifies(context.signingSecret, turn.body.replace('second', 'Second'), headers)).toBe(false);
    const timestamp = String(Number(headers['webhook-timestamp']) - 1);
    expect(verifies(context.signingSecret, turn.body, { ...headers, 'webhook-timestamp': timestamp })).toBe(false);
    expect(() => new Webhook(context.signingSecret).verify(turn.body, { ...headers, 'webhook-timestamp': timestamp })).toThrow(
      /signature/i,
    );
    expect(verifies(context.signingSecret, turn.body, headers)).toBe(true);
    socket.close();
  });

  it('relays an event stream: deltas in order, then the one stored message with the whole text', async () => {
    context.agent.handler = async (_turn, response) => {
      startStream(response);
      for (const word of ['Once ', 'upon ', 'a ', 'time.']) {
        sendEvent(response, 'delta', { content: word });
        await sleep(20);
      }
      sendEvent(response, 'done', {});
      response.end();
    };
    const { socket } = await connectAnonymous(context.server);
    const { ack, reply } = await chat(socket, 's-1', 'tell me a story');
    expect(reply).toMatchObject({ role: 'assistant', content: 'Once upon a time.', replyTo: ack.messageId });
    const frames = socket.frames.filter((frame) => frame.replyTo === ack.messageId);
    expect(frames.map((frame) => frame.type)).toEqual(['delta', 'delta', 'delta', 'delta']);
    expect(frames.map((frame) => frame.content)).toEqual(['Once ', 'upon ', 'a ', 'time.']);
    socket.send({ type: 'history' });
    const { messages } = await socket.nextOfType('history');
    expect(messages.filter((message: any) => message.replyTo === ack.messageId)).toEqual([
      expect.objectContaining({ role: 'assistant', content: 'Once upon a time.' }),
    ]);
    socket.close();
  });

  it('relays an agent asking for sign-in, from JSON and from a stream', async () => {
    context.agent.handler = (_turn, response) =>
      json(response, { authRequired: { reason: 'Sign in to see your orders', methods: ['password'] } });
    const { socket } = await connectAnonymous(context.server);
    socket.send({ type: 'message', id: 'a-1', content: 'my orders' });
    const ack = await socket.next((frame) => frame.type === 'ack' && frame.id === 'a-1');
    expect(await socket.nextOfType('auth_required')).toMatchObject({
      replyTo: ack.messageId,
      reason: 'Sign in to see your orders',
      methods: ['password'],
    });

    context.agent.handler = (_turn, response) => {
      startStream(response);
      sendEvent(response, 'delta', { content: 'One moment. ' });
      sendEvent(response, 'auth_required', { reason: 'Please sign in again', maxAgeSeconds: 60 });
      sendEvent(response, 'done', {});
      response.end();
    };
    socket.send({ type: 'message', id: 'a-2', content: 'refund' });
    const second = await socket.next((frame) => frame.type === 'ack' && frame.id === 'a-2');
    expect(await socket.nextOfType('auth_required')).toMatchObject({
      replyTo: second.messageId,
      reason: 'Please sign in again',
      maxAgeSeconds: 60,
    });
    socket.close();
  });

  it('a stop frame closes the agent request; what was streamed is stored with stopped: true', async () => {
    let turnCut: Promise<void> | undefined;
    context.agent.handler = async (turn, response) => {
      turnCut = turn.cutOff;
      startStream(response);
      sendEvent(response, 'delta', { content: 'A long answer' });
      await hold(response);
    };
    const { socket } = await connectAnonymous(context.server);
    socket.send({ type: 'message', id: 'stop-me', content: 'talk for a long time' });
    const ack = await socket.next((frame) => frame.type === 'ack' && frame.id === 'stop-me');
    await socket.next((frame) => frame.type === 'delta' && frame.replyTo === ack.messageId);
    socket.send({ type: 'stop', id: ack.messageId });
    await turnCut;
    const reply = await socket.next((frame) => frame.type === 'message' && frame.replyTo === ack.messageId);
    expect(reply).toMatchObject({ role: 'assistant', content: 'A long answer', stopped: true });
    socket.send({ type: 'history' });
    const { messages } = await socket.nextOfType('history');
    expect(messages.find((message: any) => message.replyTo === ack.messageId)).toMatchObject({ content: 'A long answer', stopped: true });
    expect(socket.frames.filter((frame) => frame.type === 'error')).toEqual([]);
    context.agent.handler = (_turn, response) => json(response, { reply: 'fine, thanks' });
    expect((await chat(socket, 'after-stop', 'again')).reply.content).toBe('fine, thanks');
    socket.close();
  });
});
