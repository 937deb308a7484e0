import { describe, expect, it } from 'vitest';
import { oneTransactionAtATime } from '../../src/store/append-messages.js';
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

describe('oneTransactionAtATime (PostgreSQL message batches)', () => {
  const c = conversation(session('ten_test'));
  const batchOf = (n: number) => Array.from({ length: n }, () => message(c));

  it('runs one transaction at a time; batches queued meanwhile share the next, up to the row cap', async () => {
    const { calls, append } = recordingTransactions();
    const store = oneTransactionAtATime(append, 250);
    const batches = Array.from({ length: 7 }, () => batchOf(100));
    const results = batches.map((batch) => store(batch, OPTIONS));
    // The first batch starts a transaction; the other six wait for it.
    expect(calls.map((call) => call.messages.length)).toEqual([100]);
    for (let i = 0; i < calls.length; i++) {
      calls[i].finish();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(calls.map((call) => call.messages.length)).toEqual([100, 200, 200, 200]);
    expect(calls.flatMap((call) => call.messages)).toEqual(batches.flat());
    expect(await Promise.all(results)).toEqual(batches.map((batch) => batch.map((m) => m.id)));
  });

  it('stores a batch larger than the cap whole, in a transaction of its own', async () => {
    const { calls, append } = recordingTransactions();
    const store = oneTransactionAtATime(append, 250);
    const first = store(batchOf(10), OPTIONS);
    const large = store(batchOf(400), OPTIONS);
    const after = store(batchOf(10), OPTIONS);
    for (let i = 0; i < calls.length; i++) {
      calls[i].finish();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([first, large, after]);
    expect(calls.map((call) => call.messages.length)).toEqual([10, 400, 10]);
  });
});
