import { describe, expect, it } from 'vitest';
import { MessageQueue } from '../../src/store/message-queue.js';
import type { Message } from '../../src/store/index.js';
import { conversation, message, session } from './fixtures.js';

const OPTIONS = { at: 1, month: '2027-01' };

/** A stand-in for one database transaction: records what it was given, resolves when told to. */
function recordingTransactions() {
  const calls: { messages: Message[]; finish: () => void }[] = [];
  const append = (messages: Message[]) =>
    new Promise<string[]>((resolve) => calls.push({ messages, finish: () => resolve(messages.map((m) => m.id)) }));
  return { calls, append };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('MessageQueue (message batches, both dialects)', () => {
  const c = conversation(session('ten_test'));
  const batchOf = (n: number) => Array.from({ length: n }, () => message(c));

  it('runs one transaction at a time; batches queued meanwhile share the next, up to the row cap', async () => {
    const { calls, append } = recordingTransactions();
    const queue = new MessageQueue(append, 250);
    const batches = Array.from({ length: 7 }, () => batchOf(100));
    const results = [queue.append(batches[0], OPTIONS)];
    await nextTurn();
    results.push(...batches.slice(1).map((batch) => queue.append(batch, OPTIONS)));
    // The first batch started a transaction; the other six wait for it.
    expect(calls.map((call) => call.messages.length)).toEqual([100]);
    for (let i = 0; i < calls.length; i++) {
      calls[i].finish();
      await nextTurn();
    }
    expect(calls.map((call) => call.messages.length)).toEqual([100, 200, 200, 200]);
    expect(calls.flatMap((call) => call.messages)).toEqual(batches.flat());
    expect(await Promise.all(results)).toEqual(batches.map((batch) => batch.map((m) => m.id)));
  });

  it('stores a batch larger than the cap whole, in a transaction of its own', async () => {
    const { calls, append } = recordingTransactions();
    const queue = new MessageQueue(append, 250);
    const first = queue.append(batchOf(10), OPTIONS);
    const large = queue.append(batchOf(400), OPTIONS);
    const after = queue.append(batchOf(10), OPTIONS);
    await nextTurn();
    for (let i = 0; i < calls.length; i++) {
      calls[i].finish();
      await nextTurn();
    }
    await Promise.all([first, large, after]);
    expect(calls.map((call) => call.messages.length)).toEqual([10, 400, 10]);
  });

  it("stores one turn's batches in one transaction, with the latest one's moment", async () => {
    const { calls, append } = recordingTransactions();
    const queue = new MessageQueue(async (messages, options) => {
      expect(options).toEqual({ at: 3, month: '2027-02' });
      return append(messages);
    });
    const results = [1, 2, 3].map((at) => queue.append(batchOf(1), { at, month: at === 3 ? '2027-02' : '2027-01' }));
    expect(calls).toHaveLength(0);
    await nextTurn();
    expect(calls.map((call) => call.messages.length)).toEqual([3]);
    calls[0].finish();
    expect((await Promise.all(results)).map((ids) => ids.length)).toEqual([1, 1, 1]);
  });

  it('fails the batches of a transaction that fails, and goes on with the next', async () => {
    const calls: { messages: Message[]; settle: (error?: Error) => void }[] = [];
    const queue = new MessageQueue(
      (messages) =>
        new Promise((resolve, reject) =>
          calls.push({ messages, settle: (error) => (error ? reject(error) : resolve(messages.map((m) => m.id))) }),
        ),
      100,
    );
    const batches = Array.from({ length: 3 }, () => batchOf(100));
    const results = batches.map((batch) =>
      queue.append(batch, OPTIONS).then(
        () => 'stored',
        (error: Error) => error.message,
      ),
    );
    await nextTurn();
    expect(calls.map((call) => call.messages)).toEqual(batches.slice(0, 1));
    calls[0].settle(new Error('refused'));
    await nextTurn();
    calls[1].settle();
    await nextTurn();
    calls[2].settle();
    expect(calls.map((call) => call.messages)).toEqual(batches);
    expect(await Promise.all(results)).toEqual(['refused', 'stored', 'stored']);
  });

  it('on close, stores what it holds, then refuses new batches', async () => {
    const { calls, append } = recordingTransactions();
    const queue = new MessageQueue(append);
    const held = queue.append(batchOf(2), OPTIONS);
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    await expect(queue.append(batchOf(1), OPTIONS)).rejects.toThrow(/closed/);
    await nextTurn();
    expect(closed).toBe(false);
    calls[0].finish();
    await closing;
    expect(await held).toHaveLength(2);
  });
});
