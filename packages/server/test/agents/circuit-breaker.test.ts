import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/agents/index.js';
import { api, chat, connectAnonymous, ManualClock, startTestServer, type TestServer, type TestSocket } from '../support/test-server.js';
import { json, TestAgentServer } from './agent-server.js';

describe('the circuit breaker', () => {
  it('opens after N failures in a row, half-opens after the cool-down for one trial, and closes on success', () => {
    const clock = new ManualClock(1_000_000);
    const breaker = new CircuitBreaker(clock, { failureThreshold: 3, coolDownMs: 10_000 });
    for (let i = 0; i < 2; i++) breaker.pass('t')!.failed();
    breaker.pass('t')!.succeeded(); // a success in between: the count starts again
    for (let i = 0; i < 3; i++) breaker.pass('t')!.failed();
    expect(breaker.pass('t')).toBeNull();
    expect(breaker.pass('other')).not.toBeNull(); // per key
    clock.advance(9_999);
    expect(breaker.pass('t')).toBeNull();
    clock.advance(1);
    const trial = breaker.pass('t')!;
    expect(trial).not.toBeNull();
    expect(breaker.pass('t')).toBeNull(); // one trial at a time
    trial.failed();
    expect(breaker.pass('t')).toBeNull(); // open again, a whole new cool-down
    clock.advance(10_000);
    const abandoned = breaker.pass('t')!;
    abandoned.abandoned(); // a stopped trial proves nothing: the next call may try
    const second = breaker.pass('t')!;
    second.succeeded();
    second.failed(); // reported once only
    expect(breaker.isOpen('t')).toBe(false);
    for (let i = 0; i < 2; i++) breaker.pass('t')!.failed();
    expect(breaker.pass('t')).not.toBeNull();
  });
});

describe('a failing HTTP agent', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let agent: TestAgentServer;
  let socket: TestSocket;

  beforeAll(async () => {
    agent = await TestAgentServer.start();
    server = await startTestServer({ config: { clock }, circuitBreaker: { failureThreshold: 3, coolDownMs: 10_000 } });
    const response = await api(server, 'PATCH', '/v1/settings', {
      headers: { authorization: `Bearer ${server.secretKey}` },
      body: { agent: { url: agent.url } },
      origin: null,
    });
    agent.secrets = [response.body.agent.signingSecret];
    ({ socket } = await connectAnonymous(server));
  });
  afterAll(async () => {
    socket.close();
    await server.stop({ removeData: true });
    await agent.stop();
  });

  async function turnFails(id: string) {
    socket.send({ type: 'message', id, content: id });
    const ack = await socket.next((frame) => frame.type === 'ack' && frame.id === id);
    return socket.next((frame) => frame.type === 'error' && frame.replyTo === ack.messageId);
  }

  it('fails fast once it failed N times in a row, without calling the agent; closes again after the cool-down', async () => {
    agent.handler = (_turn, response) => json(response, { error: 'misconfigured' }, 403);
    for (const id of ['f-1', 'f-2', 'f-3']) expect(await turnFails(id)).toMatchObject({ code: 'AGENT_UNAVAILABLE', id });
    expect(agent.turns).toHaveLength(3);

    agent.handler = (_turn, response) => json(response, { reply: 'back again' });
    expect(await turnFails('open-1')).toMatchObject({ code: 'AGENT_UNAVAILABLE', id: 'open-1', message: expect.stringMatching(/paused/) });
    clock.advance(9_000);
    expect(await turnFails('open-2')).toMatchObject({ code: 'AGENT_UNAVAILABLE', id: 'open-2' });
    expect(agent.turns).toHaveLength(3); // failed fast: the agent was not called

    clock.advance(1_000);
    expect((await chat(socket, 'trial', 'are you there?')).reply.content).toBe('back again');
    expect((await chat(socket, 'closed', 'and now?')).reply.content).toBe('back again');
    expect(agent.turns).toHaveLength(5);
  });

  it('a failed trial after the cool-down opens the circuit again', async () => {
    agent.handler = (_turn, response) => json(response, { error: 'down' }, 404);
    for (const id of ['g-1', 'g-2', 'g-3']) await turnFails(id);
    clock.advance(10_000);
    const calls = agent.turns.length;
    expect(await turnFails('trial-fails')).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
    expect(agent.turns).toHaveLength(calls + 1);
    await turnFails('open-again');
    expect(agent.turns).toHaveLength(calls + 1);
    agent.handler = (_turn, response) => json(response, { reply: 'fine' });
    clock.advance(10_000);
    expect((await chat(socket, 'healed', 'hello')).reply.content).toBe('fine');
  });
});
