import { describe, expect, it } from 'vitest';
import type { ConversationTouches, MessageTransactions } from '../../src/store/message-batches.js';
import { MessageQueue } from '../../src/store/message-queue.js';
import type { Message } from '../../src/store/index.js';
import { conversation, message, session } from './fixtures.js';

const OPTIONS = { at: 1, month: '2027-01' };

/** A stand-in for the dialect's transactions: records what it was given, commits when told to. */
function recordingTransactions(lanes = 1, stored: (m: Message) => string = (m) => m.id) {
  const calls: { messages: Message[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const touches: ConversationTouches[] = [];
  const transactions: MessageTransactions = {
    lanes,
    append: (messages) =>
      new Promise((resolve, reject) => calls.push({ messages, finish: () => resolve(messages.map(stored)), fail: reject })),
    touch: async (latest) => {
      touches.push(new Map(latest));
    },
  };
  return { calls, touches, transactions };
}

function recordingUsage() {
  const counted: [string, string, number][] = [];
  return { counted, usage: { count: (tenantId: string, month: string, { messages = 0 }) => counted.push([tenantId, month, messages]) } };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function finishAll(calls: { finish: () => void }[]) {
  for (let i = 0; i < calls.length; i++) {
    calls[i].finish();
    await nextTurn();
  }
}

describe('MessageQueue (message batches, both dialects)', () => {
  const c = conversation(session('ten_test'));
  const batchOf = (n: number, of = c) => Array.from({ length: n }, () => message(of));

  it('starts a transaction at once when enough rows wait, and waits at most maxWaitMs for fewer', async () => {
    const { calls, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, { ...recordingUsage(), flushAtRows: 10, maxWaitMs: 30 });
    void queue.append(batchOf(10), OPTIONS);
    expect(calls.map((call) => call.messages.length)).toEqual([10]);
    calls[0].finish();
    await nextTurn();
    void queue.append(batchOf(3), OPTIONS);
    void queue.append(batchOf(2), OPTIONS);
    await sleep(5);
    // Not by event-loop turn: the two batches wait (for more rows, or the time limit) together.
    expect(calls).toHaveLength(1);
    await sleep(40);
    expect(calls.map((call) => call.messages.length)).toEqual([10, 5]);
  });

  it("by default, stores one turn's batches in one transaction, at the end of that turn", async () => {
    const { calls, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, recordingUsage());
    const results = [1, 2, 3].map(() => queue.append(batchOf(1), OPTIONS));
    expect(calls).toHaveLength(0);
    await nextTurn();
    expect(calls.map((call) => call.messages.length)).toEqual([3]);
    calls[0].finish();
    expect((await Promise.all(results)).map((ids) => ids.length)).toEqual([1, 1, 1]);
  });

  it('runs one transaction at a time; batches queued meanwhile share the next, up to the row cap', async () => {
    const { calls, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, { ...recordingUsage(), maxRows: 250, flushAtRows: 100 });
    const batches = Array.from({ length: 7 }, () => batchOf(100));
    const results = batches.map((batch) => queue.append(batch, OPTIONS));
    // The first batch started a transaction; the other six wait for it.
    expect(calls.map((call) => call.messages.length)).toEqual([100]);
    await finishAll(calls);
    expect(calls.map((call) => call.messages.length)).toEqual([100, 200, 200, 200]);
    expect(calls.flatMap((call) => call.messages)).toEqual(batches.flat());
    expect(await Promise.all(results)).toEqual(batches.map((batch) => batch.map((m) => m.id)));
  });

  it('stores a batch larger than the cap whole, in a transaction of its own', async () => {
    const { calls, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, { ...recordingUsage(), maxRows: 250, maxWaitMs: 0 });
    const results = [queue.append(batchOf(10), OPTIONS), queue.append(batchOf(400), OPTIONS), queue.append(batchOf(10), OPTIONS)];
    await sleep(5);
    await finishAll(calls);
    await Promise.all(results);
    expect(calls.map((call) => call.messages.length)).toEqual([10, 400, 10]);
  });

  it('keeps each conversation in one lane, in order, while lanes commit independently', async () => {
    const { calls, transactions } = recordingTransactions(4);
    const queue = new MessageQueue(transactions, { ...recordingUsage(), flushAtRows: 1 });
    const conversations = Array.from({ length: 8 }, () => conversation(session('ten_test')));
    const batches = Array.from({ length: 40 }, (_, i) => batchOf(1, conversations[i % 8]));
    const results = batches.map((batch) => queue.append(batch, OPTIONS));
    // More than one transaction in flight at once (8 conversations spread over 4 lanes).
    expect(calls.length).toBeGreaterThan(1);
    const committed: Message[] = [];
    for (let round = 0; round < 50 && calls.length > 0; round++) {
      // The lanes commit in another order than they started.
      for (const call of calls.splice(0).reverse()) {
        committed.push(...call.messages);
        call.finish();
      }
      await nextTurn();
    }
    expect(await Promise.all(results)).toEqual(batches.map((batch) => batch.map((m) => m.id)));
    for (const one of conversations) {
      const inOrder = batches.flat().filter((m) => m.conversationId === one.id);
      expect(committed.filter((m) => m.conversationId === one.id)).toEqual(inOrder);
    }
  });

  it('counts only new messages, after the commit, per tenant and month', async () => {
    const { calls, transactions } = recordingTransactions(1, (m) => (m.clientId === 'dup' ? 'msg_earlier' : m.id));
    const { counted, usage } = recordingUsage();
    const queue = new MessageQueue(transactions, { usage, maxWaitMs: 0 });
    const other = conversation(session('ten_other'));
    const stored = Promise.all([
      queue.append([message(c), message(c, { clientId: 'dup' }), message(c)], OPTIONS),
      queue.append([message(other)], { at: 2, month: '2027-02' }),
    ]);
    await sleep(5);
    expect(counted).toEqual([]);
    calls[0].finish();
    await stored;
    expect(counted).toEqual([
      ['ten_test', '2027-01', 2],
      ['ten_other', '2027-02', 1],
    ]);
  });

  it("touches conversations later, once per flush, with each one's latest moment", async () => {
    const { calls, touches, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, { ...recordingUsage(), maxWaitMs: 0, touchIntervalMs: 30 });
    const other = conversation(session('ten_test'));
    const stored = [
      queue.append(batchOf(2), { at: 5, month: '2027-01' }),
      queue.append(batchOf(1, other), { at: 6, month: '2027-01' }),
      queue.append(batchOf(1), { at: 7, month: '2027-01' }),
    ];
    await sleep(5);
    await finishAll(calls);
    await Promise.all(stored);
    expect(touches).toEqual([]);
    await sleep(50);
    expect(touches).toEqual([
      new Map([
        [c.id, 7],
        [other.id, 6],
      ]),
    ]);
  });

  it('fails the batches of a transaction that fails, and goes on with the next', async () => {
    const { calls, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, { ...recordingUsage(), maxRows: 100, flushAtRows: 100 });
    const batches = Array.from({ length: 3 }, () => batchOf(100));
    const results = batches.map((batch) =>
      queue.append(batch, OPTIONS).then(
        () => 'stored',
        (error: Error) => error.message,
      ),
    );
    expect(calls.map((call) => call.messages)).toEqual(batches.slice(0, 1));
    calls[0].fail(new Error('refused'));
    await nextTurn();
    calls[1].finish();
    await nextTurn();
    calls[2].finish();
    expect(calls.map((call) => call.messages)).toEqual(batches);
    expect(await Promise.all(results)).toEqual(['refused', 'stored', 'stored']);
  });

  it('on close, stores what it holds at once and writes its touches, then refuses new batches', async () => {
    const { calls, touches, transactions } = recordingTransactions();
    const queue = new MessageQueue(transactions, { ...recordingUsage(), maxWaitMs: 60_000, touchIntervalMs: 60_000 });
    const held = queue.append(batchOf(2), OPTIONS);
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    await expect(queue.append(batchOf(1), OPTIONS)).rejects.toThrow(/closed/);
    await nextTurn();
    expect(closed).toBe(false);
    calls[0].finish();
    await closing;
    expect(await held).toHaveLength(2);
    expect(touches).toEqual([new Map([[c.id, OPTIONS.at]])]);
  });
});
