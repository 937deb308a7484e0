import { Worker, type WorkerOptions } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MessageQueue } from '../../src/store/message-queue.js';
import { SqliteMessageAppender } from '../../src/store/sqlite/message-appender.js';
import { conversation, message, seedSession, T0, useSqliteStore } from './fixtures.js';

const OPTIONS = { at: T0, month: '2027-01' };
const noUsage = { count: () => undefined };

/** An appender on the suite's file, and the worker threads it has started, newest last. */
function watchedAppender(file: string) {
  const workers: Worker[] = [];
  const appender = new SqliteMessageAppender(file, ['busy_timeout = 30000'], {
    startWorker: (script: URL, options: WorkerOptions) => workers[workers.push(new Worker(script, options)) - 1],
  });
  return { appender, workers };
}

describe('store (sqlite): the message worker thread', () => {
  const suite = useSqliteStore();
  const { store } = suite;

  it('fails the batches of a worker that dies, and stores the next ones with a new worker', async () => {
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const { appender, workers } = watchedAppender(suite.file);
    try {
      await appender.append([message(c, { content: 'before' })]);
      // Another connection holds the write lock, so the worker cannot store (and answer for) the
      // batch before it is terminated, however the two threads are scheduled.
      const blocker = new SQLite(suite.file);
      blocker.exec('BEGIN IMMEDIATE');
      const lost = appender.append([message(c, { content: 'in flight' })]);
      const terminated = workers.at(-1)!.terminate();
      blocker.exec('ROLLBACK');
      blocker.close();
      await terminated;
      await expect(lost).rejects.toThrow(/worker exited/);
      const after = message(c, { content: 'after' });
      expect(await appender.append([after])).toEqual([after.id]);
      expect(workers).toHaveLength(2);
      const stored = (await store.messages.listByConversation(c.id, { limit: 10 })).map((m) => m.content);
      expect(stored.slice(0, 1)).toEqual(['before']);
      expect(stored.at(-1)).toBe('after');
    } finally {
      await appender.close();
    }
  });

  it('stores a backlog in transactions of bounded size, in order, and a larger batch whole', async () => {
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const { appender } = watchedAppender(suite.file);
    // As the store sends them: through its queue.
    const queue = new MessageQueue(appender, { usage: noUsage, maxRows: 250 });
    try {
      // Sent at once, so all ten queue up behind the first transaction.
      const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 100 }, (_, i) => message(c, { content: `${b}.${i}` })));
      const storedIds = await Promise.all(batches.map((batch) => queue.append(batch, OPTIONS)));
      expect(storedIds.flat()).toEqual(batches.flat().map((m) => m.id));
      // 1000 rows, at most 250 a transaction (two batches and a half do not fit).
      expect(appender.transactions).toBeGreaterThanOrEqual(5);
      const stored = await store.messages.listByConversation(c.id, { limit: 1000 });
      expect(stored.map((m) => m.content)).toEqual(batches.flat().map((m) => m.content));

      const before = appender.transactions;
      const large = Array.from({ length: 400 }, (_, i) => message(c, { content: `large ${i}` }));
      expect(await queue.append(large, OPTIONS)).toEqual(large.map((m) => m.id));
      expect(appender.transactions).toBe(before + 1);
    } finally {
      await queue.close();
      await appender.close();
    }
  });

  it('answers a repeated client id with the stored id, as the Kysely path does', async () => {
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const { appender } = watchedAppender(suite.file);
    try {
      const first = message(c, { clientId: 'c-1' });
      const again = message(c, { clientId: 'c-1' });
      expect(await appender.append([first, again])).toEqual([first.id, first.id]);
      expect(await appender.append([message(c, { clientId: 'c-1' })])).toEqual([first.id]);
    } finally {
      await appender.close();
    }
  });

  it('stores every field as handed in, and touches conversations within the interval, in a transaction of their own', async () => {
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const { appender } = watchedAppender(suite.file);
    const queue = new MessageQueue(appender, { usage: noUsage, touchIntervalMs: 20 });
    try {
      const question = message(c, { clientId: 'q-1', content: 'ünïcode, "quotes", \n and ✓' });
      const answer = message(c, { role: 'assistant', clientId: null, replyTo: question.id, content: '' });
      await queue.append([question, answer], { at: T0 + 7, month: '2027-01' });
      const stored = await store.messages.listByConversation(c.id, { limit: 10 });
      expect(
        stored.map(({ id, role, content, clientId, replyTo, createdAt }) => ({ id, role, content, clientId, replyTo, createdAt })),
      ).toEqual(
        [question, answer].map(({ id, role, content, clientId, replyTo, createdAt }) => ({
          id,
          role,
          content,
          clientId,
          replyTo,
          createdAt,
        })),
      );
      expect(appender.transactions).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await store.conversations.get(c.id))?.updatedAt).toBe(T0 + 7);
      // The touch was not a message transaction.
      expect(appender.transactions).toBe(1);
    } finally {
      await queue.close();
      await appender.close();
    }
  });

  it('refuses batches once closed', async () => {
    const { appender } = watchedAppender(suite.file);
    await appender.close();
    await expect(appender.append([message(conversation((await seedSession(store)).session))])).rejects.toThrow(/closed/);
  });
});
