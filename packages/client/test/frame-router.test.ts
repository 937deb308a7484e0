import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '@tessera/protocol';
import type { ChatClientEvents } from '../src/chat-events.js';
import { createEmitter } from '../src/emitter.js';
import { TesseraError } from '../src/errors.js';
import { createFrameRouter } from '../src/frame-router.js';
import { createOutbox } from '../src/outbox.js';
import { createPendingRequests } from '../src/pending-requests.js';
import { createReplyStreams } from '../src/reply-streams.js';
import type { TokenManager } from '../src/token-manager.js';
import { FakeClock } from './support/fake-clock.js';

// The router's handling of streamed replies: deltas, the final message, auth_required, agent errors.

function setup() {
  const events = createEmitter<ChatClientEvents>();
  const streams = createReplyStreams();
  const outbox = createOutbox();
  const seen: Array<[keyof ChatClientEvents, unknown]> = [];
  for (const name of ['delta', 'message', 'auth_required', 'reply_failed', 'error', 'session'] as const) {
    events.on(name, (payload) => seen.push([name, payload]));
  }
  const tokens = { setTokens: async () => undefined } as unknown as TokenManager;
  const route = createFrameRouter({
    tokens,
    outbox,
    requests: createPendingRequests(new FakeClock(), 10_000),
    events,
    streams,
    tokenAccepted: () => undefined,
  });
  const receive = (...frames: object[]) => {
    for (const frame of frames) route(frame as ServerFrame);
  };
  return { receive, seen, streams, outbox };
}

const delta = (replyTo: string, content: string) => ({ type: 'delta', replyTo, content, conversationId: 'conv_1' });
const final = (replyTo: string, content: string, extra: object = {}) => ({
  type: 'message',
  id: `msg_r_${replyTo}`,
  role: 'assistant',
  content,
  replyTo,
  conversationId: 'conv_1',
  ...extra,
});

describe('frame router: streamed replies', () => {
  it('emits each delta with the text so far, then the final message, and forgets the stream', () => {
    const { receive, seen, streams } = setup();
    receive(delta('msg_1', 'Hello '), delta('msg_2', 'Other '), delta('msg_1', 'there.'));
    expect(streams.text('msg_1')).toBe('Hello there.');
    expect(streams.active()).toEqual([
      { replyTo: 'msg_1', text: 'Hello there.' },
      { replyTo: 'msg_2', text: 'Other ' },
    ]);
    receive(final('msg_1', 'Hello there.'));
    expect(seen).toEqual([
      ['delta', { replyTo: 'msg_1', conversationId: 'conv_1', content: 'Hello ', text: 'Hello ' }],
      ['delta', { replyTo: 'msg_2', conversationId: 'conv_1', content: 'Other ', text: 'Other ' }],
      ['delta', { replyTo: 'msg_1', conversationId: 'conv_1', content: 'there.', text: 'Hello there.' }],
      ['message', final('msg_1', 'Hello there.')],
    ]);
    expect(streams.text('msg_1')).toBeUndefined();
    expect(streams.active()).toEqual([{ replyTo: 'msg_2', text: 'Other ' }]);
  });

  it('passes a stopped final message on as it is', () => {
    const { receive, seen } = setup();
    receive(delta('msg_1', 'Half '), final('msg_1', 'Half ', { stopped: true }));
    expect(seen.at(-1)).toEqual(['message', expect.objectContaining({ content: 'Half ', stopped: true })]);
  });

  it('auth_required is an event; the turn run again after sign-in streams from nothing under the same replyTo', () => {
    const { receive, seen } = setup();
    receive(delta('msg_1', 'Please log in.'), final('msg_1', 'Please log in.'));
    receive({
      type: 'auth_required',
      replyTo: 'msg_1',
      conversationId: 'conv_1',
      reason: 'Sign in to see your orders.',
      methods: ['password', 'jwt'],
      maxAgeSeconds: 300,
    });
    expect(seen.at(-1)).toEqual([
      'auth_required',
      {
        replyTo: 'msg_1',
        conversationId: 'conv_1',
        reason: 'Sign in to see your orders.',
        methods: ['password', 'jwt'],
        maxAgeSeconds: 300,
      },
    ]);
    receive(delta('msg_1', 'Your orders'));
    expect(seen.at(-1)).toEqual(['delta', expect.objectContaining({ replyTo: 'msg_1', text: 'Your orders' })]);
  });

  it('an agent error naming replyTo is that reply failing: its partial text is dropped, the send is not failed, no error event', async () => {
    const { receive, seen, streams, outbox } = setup();
    // The ack was lost: the message is still in the outbox under its client id.
    const sent = outbox.add({ type: 'message', id: 'c1', content: 'hi' });
    receive(delta('msg_1', 'Part'));
    receive({ type: 'error', code: 'AGENT_TIMEOUT', message: 'too slow', id: 'c1', replyTo: 'msg_1' });
    expect(streams.text('msg_1')).toBeUndefined();
    const [name, payload] = seen.at(-1) as [string, { replyTo: string; id: string; error: TesseraError }];
    expect(name).toBe('reply_failed');
    expect(payload).toMatchObject({ replyTo: 'msg_1', id: 'c1' });
    expect(payload.error).toBeInstanceOf(TesseraError);
    expect(payload.error.code).toBe('AGENT_TIMEOUT');
    expect(seen.some(([event]) => event === 'error')).toBe(false);
    expect(outbox.size).toBe(1); // resent on the next connect, acked as a duplicate
    outbox.ack({ id: 'c1', messageId: 'msg_1', conversationId: 'conv_1' });
    await expect(sent).resolves.toMatchObject({ messageId: 'msg_1' });
  });

  it('an error frame without replyTo still fails the send it names', async () => {
    const { receive, outbox, seen } = setup();
    const sent = outbox.add({ type: 'message', id: 'c2', content: 'hi' });
    receive({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', id: 'c2', retryAfterMs: 500 });
    await expect(sent).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(seen).toEqual([]);
  });

  it('a new session forgets the replies streaming for the old one', () => {
    const { receive, streams } = setup();
    receive(delta('msg_1', 'Half'));
    receive({ type: 'session', accessToken: 'a', refreshToken: 'r', expiresAt: 0, session: { id: 'sess_2' } });
    expect(streams.active()).toEqual([]);
  });
});
