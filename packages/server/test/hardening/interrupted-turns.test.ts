import { afterAll, describe, expect, it } from 'vitest';
import type { Agent, AgentEvent } from '../../src/agents/index.js';
import { INTERRUPTED_GRACE_MS } from '../../src/chat/index.js';
import { connect, connectAnonymous, eventually, ManualClock, startTestServer, type TestServer } from '../support/test-server.js';

/** An agent that never answers and ignores its signal: what a turn looks like to the store when its node dies mid-reply. */
class SilentAgent implements Agent {
  reply(): AsyncIterable<AgentEvent> {
    return { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<AgentEvent>>(() => undefined) }) };
  }
}

describe('a turn its node died in the middle of is marked failed, visibly, never silently dropped', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop({ removeData: true }).catch(() => undefined);
  });

  it('after a restart the unanswered message carries replyError in history and open sockets are told', async () => {
    const clock = new ManualClock();
    const first = await startTestServer({ agent: new SilentAgent(), config: { clock } });
    servers.push(first);
    const { socket, session } = await connectAnonymous(first);
    socket.send({ type: 'message', id: 'lost-1', content: 'are you there?' });
    const ack = await socket.nextOfType('ack');
    // The node stops while the agent still owes its reply (the turn can never be stored now).
    await first.app.close();

    clock.advance(60_000 + INTERRUPTED_GRACE_MS + 1_000);
    const second = await startTestServer({
      dataDir: first.dataDir,
      keys: { tenantId: first.tenantId, secretKey: first.secretKey, publishableKey: first.publishableKey },
      agent: new SilentAgent(),
      config: { clock, cleanupIntervalMs: 50 },
    });
    servers.push(second);
    const again = connect(second, { token: session.accessToken });
    await again.nextOfType('ready');
    const historyOf = async () => {
      again.send({ type: 'history' });
      return (await again.nextOfType('history')).messages as { id: string; role: string; replyError?: string }[];
    };
    await eventually(async () => (await historyOf())[0]?.replyError !== undefined);
    expect((await historyOf())[0]).toMatchObject({ id: ack.messageId, role: 'user', replyError: 'AGENT_UNAVAILABLE' });

    // A turn still inside its timeout is left alone; once past it, the open socket is told.
    again.send({ type: 'message', id: 'running-1', content: 'still thinking?' });
    const running = await again.nextOfType('ack');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await historyOf()).find((m) => m.id === running.messageId)?.replyError).toBeUndefined();
    clock.advance(60_000 + INTERRUPTED_GRACE_MS + 1_000);
    const told = await again.next((frame) => frame.type === 'error' && frame.replyTo === running.messageId);
    expect(told).toMatchObject({ code: 'AGENT_UNAVAILABLE', id: 'running-1' });
    expect(await second.app.services.unansweredTurns.sweep()).toBe(0);
    again.close();
  });

  it('a turn whose agent failed says so in history at once', async () => {
    const server = await startTestServer({
      agent: {
        // biome-ignore lint/correctness/useYield: an agent that fails before its first word
        async *reply(): AsyncIterable<AgentEvent> {
          throw new Error('agent down');
        },
      },
    });
    servers.push(server);
    const { socket } = await connectAnonymous(server);
    socket.send({ type: 'message', id: 'm1', content: 'hello' });
    const ack = await socket.nextOfType('ack');
    await socket.nextOfType('error');
    socket.send({ type: 'history' });
    const [message] = (await socket.nextOfType('history')).messages;
    expect(message).toMatchObject({ id: ack.messageId, replyError: 'AGENT_UNAVAILABLE' });
    socket.close();
  });
});
