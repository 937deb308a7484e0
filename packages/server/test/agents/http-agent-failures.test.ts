import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/services.js';
import { chat, connectAnonymous } from '../support/test-server.js';
import { expectAgentError, hold, json, patchSettings, sendEvent, sleep, startStream, withAgent } from './agent-server.js';

describe('HTTP agent backends: failures', () => {
  const context = withAgent();

  it('agent down (nothing listens): AGENT_UNAVAILABLE, after one retry; the next turn works', async () => {
    await patchSettings(context.server, { agent: { url: `http://127.0.0.1:${await freePort()}/turns` } });
    const { socket } = await connectAnonymous(context.server);
    await expectAgentError(socket, 'down-1', 'AGENT_UNAVAILABLE');
    await patchSettings(context.server, { agent: { url: context.agent.url } });
    expect((await chat(socket, 'down-2', 'again')).reply.content).toBe('fine, thanks');
    socket.close();
  });

  it('an HTTP 500 is retried once with the same webhook-id, then is AGENT_UNAVAILABLE', async () => {
    context.agent.handler = (_turn, response) => json(response, { error: 'boom' }, 500);
    const before = context.agent.turns.length;
    const { socket } = await connectAnonymous(context.server);
    await expectAgentError(socket, 'e500', 'AGENT_UNAVAILABLE');
    const attempts = context.agent.turns.slice(before);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.headers['webhook-id']).toBe(attempts[0]!.headers['webhook-id']);
    context.agent.handler = (_turn, response) => json(response, { reply: 'recovered' });
    expect((await chat(socket, 'e500-next', 'again')).reply.content).toBe('recovered');
    socket.close();
  });

  it('retries a 500 before any body with the same webhook-id and fresh signature headers, and the retry answers', async () => {
    let calls = 0;
    context.agent.handler = (_turn, response) =>
      ++calls === 1 ? json(response, { error: 'busy' }, 503) : json(response, { reply: 'second time lucky' });
    const before = context.agent.turns.length;
    const { socket } = await connectAnonymous(context.server);
    expect((await chat(socket, 'retry', 'hello')).reply.content).toBe('second time lucky');
    const [first, second] = context.agent.turns.slice(before);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(second!.verifiedWith).toEqual([context.signingSecret]);
    socket.close();
  });

  it('a 4xx, a wrong content type, malformed JSON and an error event are AGENT_UNAVAILABLE, not retried', async () => {
    const { socket } = await connectAnonymous(context.server);
    const answers: Array<(response: ServerResponse) => void> = [
      (response) => json(response, { message: 'who are you?' }, 401),
      (response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<h1>hello</h1>');
      },
      (response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"reply": "cut');
      },
      (response) => json(response, { answer: 'not the contract' }),
      (response) => {
        startStream(response);
        sendEvent(response, 'delta', { content: 'Let me see' });
        sendEvent(response, 'error', { message: 'database down' });
        response.end();
      },
      (response) => {
        startStream(response);
        sendEvent(response, 'delta', { content: 'no done event' });
        response.end();
      },
    ];
    for (const [index, answer] of answers.entries()) {
      const before = context.agent.turns.length;
      context.agent.handler = (_turn, response) => answer(response);
      await expectAgentError(socket, `bad-${index}`, 'AGENT_UNAVAILABLE');
      expect(context.agent.turns.length - before).toBe(1);
      // A few failures in a row, yet no circuit opens: every other turn succeeds.
      context.agent.handler = (_turn, response) => json(response, { reply: 'fine, thanks' });
      await chat(socket, `good-${index}`, 'again');
    }
    socket.close();
  });

  it('no first byte in time: AGENT_TIMEOUT; the next turn works', async () => {
    context.agent.handler = (_turn, response) => hold(response);
    const { socket } = await connectAnonymous(context.server);
    const started = Date.now();
    await expectAgentError(socket, 'slow-start', 'AGENT_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3_000);
    context.agent.handler = (_turn, response) => json(response, { reply: 'fine, thanks' });
    expect((await chat(socket, 'slow-start-next', 'again')).reply.content).toBe('fine, thanks');
    socket.close();
  });

  it('a stream that stalls mid-way: the deltas so far, then AGENT_TIMEOUT; the agent sees its request closed', async () => {
    let turnCut: Promise<void> | undefined;
    context.agent.handler = async (turn, response) => {
      turnCut = turn.cutOff;
      startStream(response);
      sendEvent(response, 'delta', { content: 'Thinking' });
      await hold(response);
    };
    const { socket } = await connectAnonymous(context.server);
    const { ack } = await expectAgentError(socket, 'stall', 'AGENT_TIMEOUT');
    expect(socket.frames.filter((frame) => frame.type === 'delta' && frame.replyTo === ack.messageId)).toHaveLength(1);
    await turnCut;
    context.agent.handler = (_turn, response) => json(response, { reply: 'fine, thanks' });
    expect((await chat(socket, 'stall-next', 'again')).reply.content).toBe('fine, thanks');
    socket.close();
  });

  // undici checks its first-byte and idle timeouts on a coarse clock (about half a second a tick),
  // so the pauses here are well beyond idleTimeoutMs.
  it('a slow drip (pauses longer than idleTimeoutMs between deltas) is cut off: AGENT_TIMEOUT', async () => {
    context.agent.handler = async (_turn, response) => {
      startStream(response);
      for (let i = 0; i < 5 && !response.destroyed; i++) {
        sendEvent(response, 'delta', { content: `drop ${i} ` });
        await sleep(1_800);
      }
      response.end();
    };
    const { socket } = await connectAnonymous(context.server);
    await expectAgentError(socket, 'drip', 'AGENT_TIMEOUT');
    context.agent.handler = (_turn, response) => json(response, { reply: 'fine, thanks' });
    expect((await chat(socket, 'drip-next', 'again')).reply.content).toBe('fine, thanks');
    socket.close();
  });

  it('a steady stream that outlasts timeoutMs is cut off at the turn timeout: AGENT_TIMEOUT', async () => {
    await patchSettings(context.server, { agent: { timeoutMs: 1_000 } });
    context.agent.handler = async (_turn, response) => {
      startStream(response);
      while (!response.destroyed) {
        sendEvent(response, 'delta', { content: '.' });
        await sleep(100);
      }
    };
    const { socket } = await connectAnonymous(context.server);
    const started = Date.now();
    await expectAgentError(socket, 'forever', 'AGENT_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4_000);
    socket.close();
  });

  it('an oversized reply (JSON or streamed) is AGENT_UNAVAILABLE; the next turn works', async () => {
    await patchSettings(context.server, { agent: { maxReplyChars: 50 } });
    const { socket } = await connectAnonymous(context.server);
    context.agent.handler = (_turn, response) => json(response, { reply: 'x'.repeat(51) });
    await expectAgentError(socket, 'big-json', 'AGENT_UNAVAILABLE');
    context.agent.handler = (_turn, response) => json(response, { reply: 'y'.repeat(400_000) });
    await expectAgentError(socket, 'huge-json', 'AGENT_UNAVAILABLE');
    context.agent.handler = async (_turn, response) => {
      startStream(response);
      for (let i = 0; i < 20 && !response.destroyed; i++) {
        sendEvent(response, 'delta', { content: 'z'.repeat(10) });
        await sleep(5);
      }
      sendEvent(response, 'done', {});
      response.end();
    };
    await expectAgentError(socket, 'big-stream', 'AGENT_UNAVAILABLE');
    context.agent.handler = (_turn, response) => json(response, { reply: 'short' });
    expect((await chat(socket, 'big-next', 'again')).reply.content).toBe('short');
    socket.close();
  });
});
