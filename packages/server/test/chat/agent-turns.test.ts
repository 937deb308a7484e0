import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentEvent, AgentTurn } from '../../src/agents/index.js';
import { api, connect, connectAnonymous, ManualClock, startTestServer, type TestServer, type TestSocket } from '../support/test-server.js';

/** An in-process agent whose every answer a test scripts, and which records what it was asked. */
class ScriptedAgent implements Agent {
  readonly turns: AgentTurn[] = [];
  readonly aborted: string[] = [];
  script: (turn: AgentTurn, signal: AbortSignal) => AsyncIterable<AgentEvent> = async function* () {
    yield { type: 'delta', content: 'ok' };
  };

  async *reply(turn: AgentTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    this.turns.push(turn);
    signal.addEventListener('abort', () => this.aborted.push(turn.message.id));
    yield* this.script(turn, signal);
  }
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Words, one every `gapMs`, until the signal aborts. */
function slowWords(words: string[], gapMs: number) {
  return async function* (_turn: AgentTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    for (const word of words) {
      if (signal.aborted) return;
      yield { type: 'delta', content: word };
      await pause(gapMs, signal);
    }
  };
}

async function send(socket: TestSocket, id: string, content: string): Promise<string> {
  socket.send({ type: 'message', id, content });
  return (await socket.next((frame) => frame.type === 'ack' && frame.id === id)).messageId;
}

/** The reply to `messageId`: its final message frame and the deltas that came before it, in order. */
async function streamedReply(socket: TestSocket, messageId: string) {
  const final = await socket.next((frame) => frame.type === 'message' && frame.replyTo === messageId);
  const deltas = socket.frames
    .filter((frame) => frame.type === 'delta' && frame.replyTo === messageId)
    .map((frame) => frame.content as string);
  return { final, deltas };
}

const password = 'correct horse battery staple';

describe('agent turns: streaming, stop, sockets that drop, sign-in the agent asks for', () => {
  const agent = new ScriptedAgent();
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ agent, config: { clock, maxAgentCallsInFlight: 3 } });
    const signup = await api(server, 'POST', '/v1/auth/signup', {
      headers: { 'x-tessera-key': server.publishableKey },
      body: { email: 'ada@example.com', password, name: 'Ada' },
    });
    expect(signup.status).toBe(201);
  });
  afterAll(() => server.stop({ removeData: true }));
  afterEach(() => {
    agent.script = async function* () {
      yield { type: 'delta', content: 'ok' };
    };
  });

  it('sends deltas in order, then one final message holding the whole text, which is the only reply stored', async () => {
    agent.script = async function* () {
      for (const word of ['Once ', 'upon ', 'a ', 'time.']) {
        yield { type: 'delta', content: word };
        await pause(2);
      }
    };
    const { socket } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'tell me a story');
    const { final, deltas } = await streamedReply(socket, messageId);
    expect(deltas).toEqual(['Once ', 'upon ', 'a ', 'time.']);
    expect(final.content).toBe('Once upon a time.');
    expect(final.stopped).toBeUndefined();
    socket.send({ type: 'history' });
    const { messages } = await socket.nextOfType('history');
    expect(messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'tell me a story'],
      ['assistant', 'Once upon a time.'],
    ]);
    socket.close();
  });

  it('sends the deltas an agent yields in one turn of the event loop as one frame; those unsent at the end only in the final message', async () => {
    agent.script = async function* () {
      for (const word of ['all ', 'at ', 'once ']) yield { type: 'delta', content: word };
      await pause(20);
      yield { type: 'delta', content: 'then ' };
      await pause(20);
      for (const word of ['the ', 'end']) yield { type: 'delta', content: word };
    };
    const { socket } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'burst');
    const { final, deltas } = await streamedReply(socket, messageId);
    expect(deltas).toEqual(['all at once ', 'then ']);
    expect(final.content).toBe('all at once then the end');
    socket.close();
  });

  it('streams the demo agent too: its first word as a delta, then the whole reply', async () => {
    const demo = await startTestServer();
    try {
      const { socket } = await connectAnonymous(demo);
      const messageId = await send(socket, 'm1', 'who am i');
      const { final, deltas } = await streamedReply(socket, messageId);
      // Its first word leaves at once, on its own; the rest come with the final message.
      expect(deltas).toEqual(['You ']);
      expect(final.content).toMatch(/anonymously/);
      socket.close();
    } finally {
      await demo.stop({ removeData: true });
    }
  });

  it('streams to every socket of the session', async () => {
    agent.script = slowWords(['one ', 'two ', 'three'], 5);
    const { socket, session } = await connectAnonymous(server);
    const twin = connect(server, { token: session.accessToken });
    await twin.nextOfType('ready');
    const messageId = await send(socket, 'm1', 'count');
    for (const each of [socket, twin]) {
      const { final, deltas } = await streamedReply(each, messageId);
      expect(deltas).toEqual(['one ', 'two ', 'three']);
      expect(final.content).toBe('one two three');
    }
    socket.close();
    twin.close();
  });

  it('a stop aborts the agent and stores what was streamed, marked stopped', async () => {
    agent.script = slowWords(
      Array.from({ length: 200 }, (_, i) => `w${i} `),
      20,
    );
    const { socket } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'talk forever');
    await socket.next((frame) => frame.type === 'delta' && frame.content === 'w2 ');
    socket.send({ type: 'stop', id: messageId });
    const final = await socket.next((frame) => frame.type === 'message' && frame.replyTo === messageId);
    expect(final.stopped).toBe(true);
    expect(final.content).toMatch(/^w0 w1 w2 /);
    expect(final.content).not.toContain('w199');
    expect(agent.aborted).toContain(messageId);
    socket.send({ type: 'history' });
    const stored = (await socket.nextOfType('history')).messages.find((m: { replyTo: string }) => m.replyTo === messageId);
    expect(stored).toMatchObject({ content: final.content, stopped: true });
    socket.close();
  });

  it('a stop of another session does nothing', async () => {
    agent.script = slowWords(['a ', 'b ', 'c ', 'd'], 30);
    const { socket } = await connectAnonymous(server);
    const other = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'go');
    other.socket.send({ type: 'stop', id: messageId });
    const final = await socket.next((frame) => frame.type === 'message' && frame.replyTo === messageId);
    expect(final).toMatchObject({ content: 'a b c d' });
    expect(final.stopped).toBeUndefined();
    socket.close();
    other.socket.close();
  });

  it('a dropped socket does not abort the turn: the reply is stored and found from history after reconnecting', async () => {
    agent.script = slowWords(['still ', 'here ', 'after ', 'the ', 'drop'], 40);
    const { socket, session } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'are you there');
    await socket.nextOfType('delta');
    socket.ws.terminate();
    await pause(400);
    expect(agent.aborted).not.toContain(messageId);
    const again = connect(server, { token: session.accessToken });
    await again.nextOfType('ready');
    again.send({ type: 'history' });
    const stored = (await again.nextOfType('history')).messages.find((m: { replyTo: string }) => m.replyTo === messageId);
    expect(stored).toMatchObject({ content: 'still here after the drop' });
    again.close();
  });

  it('an agent failure is an error frame with the client id and replyTo; the message stays stored and the next turn works', async () => {
    agent.script = async function* () {
      yield { type: 'delta', content: 'half' };
      throw new Error('agent crashed');
    };
    const { socket } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'break');
    const error = await socket.nextOfType('error');
    expect(error).toMatchObject({ code: 'AGENT_UNAVAILABLE', id: 'm1', replyTo: messageId });
    agent.script = async function* () {
      yield { type: 'delta', content: 'fine again' };
    };
    const next = await send(socket, 'm2', 'again');
    expect((await socket.next((frame) => frame.type === 'message' && frame.replyTo === next)).content).toBe('fine again');
    socket.send({ type: 'history' });
    const { messages } = await socket.nextOfType('history');
    expect(messages.map((m: { content: string }) => m.content)).toEqual(['break', 'again', 'fine again']);
    socket.close();
  });

  it('cuts off a reply longer than the cap, and times out a turn that runs too long', async () => {
    await server.app.services.tenants.updateSettings(server.tenantId, { agent: { maxReplyChars: 10, timeoutMs: 300 } });
    try {
      agent.script = async function* () {
        yield { type: 'delta', content: 'x'.repeat(8) };
        yield { type: 'delta', content: 'y'.repeat(8) };
      };
      const { socket } = await connectAnonymous(server);
      const long = await send(socket, 'm1', 'long');
      expect(await socket.nextOfType('error')).toMatchObject({ code: 'AGENT_UNAVAILABLE', replyTo: long });
      agent.script = slowWords(['slow ', 'slow ', 'slow '], 1_000);
      const slow = await send(socket, 'm2', 'slow');
      expect(await socket.nextOfType('error', 3_000)).toMatchObject({ code: 'AGENT_TIMEOUT', replyTo: slow });
      socket.send({ type: 'history' });
      expect((await socket.nextOfType('history')).messages.map((m: { role: string }) => m.role)).toEqual(['user', 'user']);
      socket.close();
    } finally {
      await server.app.services.tenants.updateSettings(server.tenantId, { agent: { maxReplyChars: 32_000, timeoutMs: 60_000 } });
    }
  });

  it('answers AGENT_UNAVAILABLE at once when the node already runs its limit of agent calls', async () => {
    agent.script = slowWords(['busy ', 'busy'], 500);
    const busy = await Promise.all([1, 2, 3].map(() => connectAnonymous(server)));
    const occupied = await Promise.all(busy.map(({ socket }, i) => send(socket, `b${i}`, 'occupy')));
    const { socket } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'one more');
    expect(await socket.nextOfType('error', 400)).toMatchObject({ code: 'AGENT_UNAVAILABLE', replyTo: messageId });
    // The calls in flight are unaffected, and their slots are free again once they end.
    await Promise.all(busy.map(({ socket: each }, i) => streamedReply(each, occupied[i])));
    for (const each of [...busy.map((b) => b.socket), socket]) each.close();
  });

  it('runs a turn the agent asked sign-in for again, once, for the signed-in person, on the same socket', async () => {
    agent.script = async function* (turn) {
      if (turn.identity.userId === null) {
        yield { type: 'delta', content: 'Please sign in.' };
        yield { type: 'auth_required', reason: 'Orders need an account' };
        return;
      }
      yield { type: 'delta', content: `Orders of ${turn.identity.name}` };
    };
    const { socket } = await connectAnonymous(server);
    const messageId = await send(socket, 'm1', 'my orders');
    const asked = await socket.nextOfType('auth_required');
    expect(asked).toMatchObject({ replyTo: messageId, reason: 'Orders need an account', methods: ['password'] });
    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password });
    await socket.nextOfType('authenticated');
    const rerun = await socket.next(
      (frame) => frame.type === 'message' && frame.replyTo === messageId && frame.content !== 'Please sign in.',
    );
    expect(rerun.content).toBe('Orders of Ada');
    const signedInTurn = agent.turns.at(-1)!;
    expect(signedInTurn.message.id).toBe(messageId);
    expect(signedInTurn.identity).toMatchObject({ userId: 'ada@example.com', amr: ['pwd'] });

    // Once: signing in again does not run it a second time.
    const turnsBefore = agent.turns.length;
    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password });
    await socket.nextOfType('authenticated');
    await pause(300);
    expect(agent.turns.length).toBe(turnsBefore);
    socket.close();
  });

  it('maxAgeSeconds makes a user who signed in too long ago re-authenticate; the socket stays open', async () => {
    agent.script = async function* (turn) {
      const fresh = turn.identity.authTime !== null && clock.now() / 1000 - turn.identity.authTime <= 60;
      if (!fresh) {
        yield { type: 'auth_required', reason: 'Confirm it is you', maxAgeSeconds: 60 };
        return;
      }
      yield { type: 'delta', content: `Refund sent for ${turn.identity.userId}` };
    };
    const { socket } = await connectAnonymous(server);
    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password });
    const first = await socket.nextOfType('authenticated');
    clock.advance(5 * 60_000);
    const messageId = await send(socket, 'm1', 'refund my order');
    expect(await socket.nextOfType('auth_required')).toMatchObject({ replyTo: messageId, maxAgeSeconds: 60 });

    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password });
    const again = await socket.nextOfType('authenticated');
    expect(again.session.ver).toBe(first.session.ver);
    const rerun = await socket.next((frame) => frame.type === 'message' && frame.replyTo === messageId);
    expect(rerun.content).toBe('Refund sent for ada@example.com');
    await socket.roundTrip();
    socket.close();
  });

  it('a re-authentication on one socket is what the agent sees on the session’s other sockets too', async () => {
    agent.script = async function* () {
      yield { type: 'delta', content: 'ok' };
    };
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password });
    const signedIn = await socket.nextOfType('authenticated');
    const other = connect(server, { token: signedIn.accessToken });
    await other.nextOfType('ready');
    clock.advance(10 * 60_000);
    socket.send({ type: 'authenticate', method: 'password', email: 'ada@example.com', password });
    await socket.nextOfType('authenticated');
    const reauthenticatedAt = Math.floor(clock.now() / 1000);
    await send(other, 'm1', 'am I fresh?');
    await other.nextOfType('message');
    expect(agent.turns.at(-1)!.identity.authTime).toBe(reauthenticatedAt);
    expect(session.session.id).toBe(agent.turns.at(-1)!.identity.sessionId);
    socket.close();
    other.close();
  });
});
