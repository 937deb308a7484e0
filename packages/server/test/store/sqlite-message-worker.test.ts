import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { SqliteMessageAppender } from '../../src/store/sqlite-message-appender.js';
import { conversation, message, seedSession, T0 } from './fixtures.js';

const OPTIONS = { at: T0, month: '2027-01' };

describe('store (sqlite): the message worker thread', () => {
  let dataDir: string;
  let store: Store;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-worker-'));
    store = await openStore({ dataDir });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails the batches of a worker that dies, and stores the next ones with a new worker', async () => {
    const { session } = await seedSession(store);
    const c = conversation(session);
    await store.conversations.insert(c);
    const appender = new SqliteMessageAppender(join(dataDir, 'tessera.db'), ['busy_timeout = 30000']);
    try {
      await appender.append([message(c, { content: 'before' })], OPTIONS);
      // Another connection holds the write lock, so the worker cannot store (and answer for) the
      // batch before it is terminated, however the two threads are scheduled.
      const blocker = new SQLite(join(dataDir, 'tessera.db'));
      blocker.exec('BEGIN IMMEDIATE');
      const lost = appender.append([message(c, { content: 'in flight' })], OPTIONS);
      const terminated = (appender as unknown as { worker: Worker }).worker.terminate();
      blocker.exec('ROLLBACK');
      blocker.close();
      await terminated;
      await expect(lost).rejects.toThrow(/worker exited/);
      const after = message(c, { content: 'after' });
      expect(await appender.append([after], OPTIONS)).toEqual([after.id]);
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
    const appender = new SqliteMessageAppender(join(dataDir, 'tessera.db'), ['busy_timeout = 30000'], 250);
    try {
      // Sent at once, so all ten queue up behind the first transaction.
      const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 100 }, (_, i) => message(c, { content: `${b}.${i}` })));
      const storedIds = await Promise.all(batches.map((batch) => appender.append(batch, OPTIONS)));
      expect(storedIds.flat()).toEqual(batches.flat().map((m) => m.id));
      // 1000 rows, at most 250 a transaction (two batches and a half do not fit).
      expect(appender.transactions).toBeGreaterThanOrEqual(5);
      const stored = await store.messages.listByConversation(c.id, { limit: 1000 });
      expect(stored.map((m) => m.content)).toEqual(batches.flat().map((m) => m.content));

      const before = appender.transactions;
      const large = Array.from({ length: 400 }, (_, i) => message(c, { content: `large ${i}` }));
      expect(await appender.append(large, OPTIONS)).toEqual(large.map((m) => m.id));
      expect(appender.transactions).toBe(before + 1);
    } finally {
      await appender.close();
    }
  });

  it('refuses batches once closed', async () => {
    const appender = new SqliteMessageAppender(join(dataDir, 'tessera.db'), []);
    await appender.close();
    await expect(appender.append([message(conversation((await seedSession(store)).session))], OPTIONS)).rejects.toThrow(/closed/);
  });
});
